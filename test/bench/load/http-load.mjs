// HTTP load with autocannon, run as its own process: fixed connections for a fixed duration.
import autocannon from 'autocannon';
import { readInput } from '../lib/procs.mjs';

const input = await readInput();
const result = await autocannon({
  url: input.url,
  method: input.method ?? 'POST',
  headers: input.headers ?? { 'content-type': 'application/json' },
  body: input.body,
  connections: input.connections,
  duration: input.duration,
  pipelining: 1,
});
console.log(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.average, max: result.latency.max },
    durationSeconds: result.duration,
  }),
);
