// The "bare" contender of the inference section: Fastify + onnxruntime-node serving
// POST /v2/models/credit/infer for one ONNX file (input `input` FP32 [N,5]; outputs `label`,
// `probabilities`) and GET /v2/health/ready — nothing else: no validation beyond the shape, no
// logging, no metrics, no micro-batcher. What Plumbline costs is measured against this.
//   node test/bench/bare-server.mjs <model.onnx>     (PORT, HOST from the environment)
//
// With BARE_LOG=group or async and BARE_LOG_DATABASE_URL it also logs each request's rows (id, time,
// version, features, output) into one table of its own without indexes, the least PostgreSQL work that
// keeps them, the way Plumbline's log writer does: the rows that wait share one INSERT (one prepared
// statement, the rows as one jsonb parameter), one transaction at a time. Group answers after the
// commit; async at once (while fewer than ASYNC_QUEUE_ROWS wait), and its rows wait ASYNC_LINGER_MS
// for more. What logging itself costs on this stack, without Plumbline's ids, partitions and aggregates.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';
import pg from 'pg';

/** In async mode, rows that may wait uncommitted before a request waits for its commit. */
const ASYNC_QUEUE_ROWS = 4096;
/** In async mode, how long rows wait for more before they are written (Plumbline's ASYNC_LINGER_MS). */
const ASYNC_LINGER_MS = 10;

const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS bare_log (id text, ts timestamptz, version int, features jsonb, output jsonb)';
const INSERT = `INSERT INTO bare_log SELECT r.i, to_timestamp(r.t / 1000), r.v, r.f, r.o
  FROM jsonb_to_recordset($1::jsonb) AS r(i text, t float8, v int, f jsonb, o jsonb)`;

const file = process.argv[2];
if (!file) throw new Error('usage: bare-server.mjs <model.onnx>');
// The same session options as Plumbline's (src/inference/onnx-model.ts) with PLUMBLINE_ORT_THREADS=1.
const session = await ort.InferenceSession.create(file, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

const OIP_TYPES = { float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32', bool: 'BOOL', string: 'BYTES' };

const log = process.env.BARE_LOG ? await openLog(process.env.BARE_LOG, process.env.BARE_LOG_DATABASE_URL) : undefined;
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.get('/v2/health/ready', async () => ({ ready: true }));
app.post('/v2/models/credit/infer', async (request, reply) => {
  const input = request.body?.inputs?.find((tensor) => tensor.name === 'input');
  if (!input || !Array.isArray(input.data) || !Array.isArray(input.shape) || input.shape.length !== 2 || input.shape[1] !== 5) {
    return reply.code(400).send({ error: "expected input 'input' FP32 [N, 5]" });
  }
  const data = Float32Array.from(input.data.flat(Infinity));
  if (data.length !== input.shape[0] * 5) return reply.code(400).send({ error: 'data does not match shape' });
  const results = await session.run({ input: new ort.Tensor('float32', data, input.shape) });
  const outputs = Object.entries(results).map(([name, tensor]) => ({
    name,
    datatype: OIP_TYPES[tensor.type] ?? tensor.type,
    shape: tensor.dims,
    data: tensor.type === 'int64' ? Array.from(tensor.data, Number) : Array.from(tensor.data),
  }));
  const id = request.body.id ?? randomUUID();
  if (log) {
    const probabilities = outputs.find((tensor) => tensor.name === 'probabilities').data;
    const ts = Date.now();
    const rows = [];
    for (let i = 0; i < input.shape[0]; i++) {
      const x = data.subarray(i * 5, i * 5 + 5);
      rows.push({ i: input.shape[0] === 1 ? id : `${id}:${i}`, t: ts, v: 2, f: { age: x[0], income: x[1], debt_ratio: x[2], tenure_months: x[3], num_accounts: x[4] }, o: probabilities.slice(i * 2, i * 2 + 2) });
    }
    await log(rows);
  }
  return { model_name: 'credit', model_version: '2', id, outputs };
});

/** The log of BARE_LOG (see the top of this file), or undefined. */
async function openLog(mode, url) {
  if (mode !== 'group' && mode !== 'async') throw new Error(`BARE_LOG must be group or async, not ${mode}`);
  if (!url) throw new Error('BARE_LOG needs BARE_LOG_DATABASE_URL');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(CREATE_TABLE);
  let queue = [];
  let queuedRows = 0;
  let writing = false;
  const write = async () => {
    writing = true;
    if (mode === 'async') await new Promise((resolve) => setTimeout(resolve, ASYNC_LINGER_MS));
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      queuedRows = 0;
      const json = JSON.stringify(batch.flatMap((item) => item.rows));
      try {
        await client.query({ name: 'bare_log_insert', text: INSERT, values: [json] });
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    writing = false;
  };
  return (rows) => {
    const done = new Promise((resolve, reject) => queue.push({ rows, resolve, reject }));
    queuedRows += rows.length;
    if (!writing) void write();
    // Async answers at once while PostgreSQL keeps up (memory stays bounded, as in Plumbline).
    if (mode === 'group' || queuedRows > ASYNC_QUEUE_ROWS) return done;
    done.catch((error) => console.error(`bare log write failed: ${error.message}`));
    return undefined;
  };
}

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close().finally(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 8081), host: process.env.HOST ?? '127.0.0.1' });
