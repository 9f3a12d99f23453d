// Sequential GET latency, run as its own process: `warmup` untimed requests, then `count` timed ones.
import { readInput } from '../lib/procs.mjs';

const input = await readInput();
const latencies = [];
const statuses = {};
let sample;
for (let i = 0; i < input.warmup + input.count; i++) {
  const t0 = performance.now();
  const response = await fetch(input.url);
  const text = await response.text();
  const elapsed = performance.now() - t0;
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  if (i >= input.warmup) latencies.push(elapsed);
  if (sample === undefined || response.status !== 200) sample = text.slice(0, 2000);
}
console.log(JSON.stringify({ latencies, statuses, sample }));
