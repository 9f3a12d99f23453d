// The minimal log of bare-server.mjs: its table and INSERT, and with BARE_LOG=group-worker the worker
// thread that owns the PostgreSQL connection. The main thread posts each event-loop turn's rows as one
// JSON array; the worker writes everything posted so far in one INSERT the moment the previous one
// commits (without waiting for a turn of the main thread, busy with requests), then posts back the
// turns it committed.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

export const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS bare_log (id text, ts timestamptz, version int, features jsonb, output jsonb)';
export const INSERT = `INSERT INTO bare_log SELECT r.i, to_timestamp(r.t / 1000), r.v, r.f, r.o
  FROM jsonb_to_recordset($1::jsonb) AS r(i text, t float8, v int, f jsonb, o jsonb)`;

if (!isMainThread && parentPort) {
  const client = new pg.Client({ connectionString: workerData.url });
  await client.connect();
  await client.query(CREATE_TABLE);
  let queue = [];
  let writing = false;
  const write = async () => {
    writing = true;
    while (queue.length > 0) {
      const turns = queue;
      queue = [];
      // Each turn's rows are a JSON array: their elements joined make one array.
      const json = `[${turns.map((turn) => turn.json.slice(1, -1)).join(',')}]`;
      const seqs = turns.map((turn) => turn.seq);
      try {
        await client.query({ name: 'bare_log_insert', text: INSERT, values: [json] });
        parentPort.postMessage({ seqs });
      } catch (error) {
        parentPort.postMessage({ seqs, error: error.message });
      }
    }
    writing = false;
  };
  parentPort.on('message', (turn) => {
    queue.push(turn);
    if (!writing) void write();
  });
  parentPort.postMessage({ ready: true });
}
