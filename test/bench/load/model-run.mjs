// What a session.run of the served model costs, in a process of its own: the part of a request that
// micro-batching can share. `rows` single-row runs started together (as `rows` concurrent requests
// without micro-batching run them) against one run of `rows` rows (the same requests merged), through
// onnxruntime-node's public API as the server calls it; alternating blocks; prints the median µs per
// single-row run and per merged run.
//   input: { model, rows = 64, calls = 2000, blocks = 5 }
import * as ort from 'onnxruntime-node';
import { readInput } from '../lib/procs.mjs';

const input = await readInput();
const merged = input.rows ?? 64;
const calls = input.calls ?? 2000;
const blocks = input.blocks ?? 5;
// The session options of the bare server and of Plumbline with PLUMBLINE_ORT_THREADS=1.
const session = await ort.InferenceSession.create(input.model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const ROW = [41, 52000, 0.3, 24, 3];
const feeds = (rows) => ({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from({ length: rows * 5 }, (_, i) => ROW[i % 5]), [rows, 5]) });

/** µs per run: `count` runs of `rows` rows, `together` at a time, new feeds per run (as per request). */
async function block(rows, together, count) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i += together) await Promise.all(Array.from({ length: together }, () => session.run(feeds(rows))));
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

const mergedCalls = Math.max(100, Math.ceil(calls / 8));
await block(1, merged, calls);
await block(merged, 1, mergedCalls);
const one = [];
const many = [];
for (let b = 0; b < blocks; b++) {
  one.push(await block(1, merged, calls));
  many.push(await block(merged, 1, mergedCalls));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(JSON.stringify({ rows: merged, usPerRun1: median(one), usPerRunMerged: median(many), blocks: { one, many } }));
