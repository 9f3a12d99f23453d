// Load generator for the labels section, run as its own process (JSON in on stdin, JSON out on stdout).
//   mode "http": POST /api/models/<model>/labels, `batch` labels per call, `concurrency` calls in flight
//   mode "copy": the same (id, label) rows through a plain COPY into an unlogged table
//   mode "lookup": only the read every label needs (its prediction's output, version, segments by id; the
//                  server's READ_PREDICTIONS statement),
//                  `batch` ids per statement on `concurrency` connections: a ceiling for any design that
//                  computes each label's loss from the logged output; with `probe`, only whether each
//                  id is logged (index-only), a ceiling for any design at all
// Bodies and COPY text are built before the clock starts: only the server's (or PostgreSQL's) work is timed.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
// The server's own statement (dist/, which `npm run bench` builds first).
import { READ_PREDICTIONS } from '../../../dist/modules/labels/labels.repository.js';
import { readInput } from '../lib/procs.mjs';
import { labelRows } from './label-rows.mjs';

const input = await readInput();
const rows = labelRows(input);

if (input.mode === 'copy') {
  const client = new pg.Client({ connectionString: input.databaseUrl });
  await client.connect();
  await client.query('CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy_labels (id text NOT NULL, label text NOT NULL)');
  await client.query('TRUNCATE bench_copy_labels');
  const chunks = [];
  for (let i = 0; i < rows.length; i += 1000) {
    chunks.push(Buffer.from(rows.slice(i, i + 1000).map(([id, label]) => `${id}\t${label}\n`).join('')));
  }
  const start = performance.now();
  await pipeline(Readable.from(chunks), client.query(copyStreams.from('COPY bench_copy_labels (id, label) FROM STDIN')));
  const elapsedMs = performance.now() - start;
  const { rows: counted } = await client.query('SELECT count(*)::int AS n FROM bench_copy_labels');
  await client.end();
  console.log(JSON.stringify({ sent: rows.length, copied: counted[0].n, elapsedMs }));
} else if (input.mode === 'lookup') {
  // With `probe`: only whether each id is logged (an index-only scan of prediction_ids, nothing returned
  // per row), the least any design must ask to tell a matched label from a pending one.
  const PROBE = `SELECT count(*)::int AS n FROM (SELECT id FROM unnest($2::text[]) AS u(id) ORDER BY id) AS u
                   JOIN prediction_ids i ON i.model = $1 AND i.id = u.id`;
  const clients = await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      const client = new pg.Client({ connectionString: input.databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const batches = [];
  for (let i = 0; i < rows.length; i += input.batch) batches.push(rows.slice(i, i + input.batch).map(([id]) => id));
  let next = 0;
  let read = 0;
  const worker = async (client) => {
    for (;;) {
      const index = next++;
      if (index >= batches.length) return;
      if (input.probe) {
        const result = await client.query(PROBE, [input.model, batches[index]]);
        read += result.rows[0].n;
        continue;
      }
      const result = await client.query(READ_PREDICTIONS, [input.model, batches[index]]);
      read += JSON.parse(result.rows[0].rows ?? '[]').length;
    }
  };
  const start = performance.now();
  await Promise.all(clients.map(worker));
  const elapsedMs = performance.now() - start;
  await Promise.all(clients.map((client) => client.end()));
  console.log(JSON.stringify({ sent: rows.length, read, elapsedMs }));
} else {
  const url = `${input.url}/api/models/${encodeURIComponent(input.model)}/labels`;
  const bodies = [];
  for (let i = 0; i < rows.length; i += input.batch) {
    bodies.push(JSON.stringify({ labels: rows.slice(i, i + input.batch).map(([id, label]) => ({ id, label })) }));
  }
  const totals = { calls: 0, matched: 0, pending: 0, duplicate: 0, rejected: 0, errors: [] };
  const callMs = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= bodies.length) return;
      const t0 = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[index] });
      const text = await response.text();
      callMs.push(performance.now() - t0);
      totals.calls++;
      if (response.status !== 200) {
        totals.errors.push(`${response.status} ${text.slice(0, 200)}`);
        continue;
      }
      const result = JSON.parse(text);
      totals.matched += result.matched;
      totals.pending += result.pending;
      totals.duplicate += result.duplicate;
      totals.rejected += result.rejected.length;
      if (result.rejected.length > 0 && totals.errors.length < 5) totals.errors.push(JSON.stringify(result.rejected[0]));
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: input.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  console.log(JSON.stringify({ sent: rows.length, elapsedMs, callMs, ...totals }));
}
