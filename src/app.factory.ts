import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { ErrorFilter } from './common/error.filter.js';
import { createLogger, JsonLogger } from './common/logger.js';
import type { AppConfig } from './config/env.js';

const MAX_MODEL_BYTES = 1024 * 1024 * 1024;

/** Builds the Nest application on Fastify; `main.ts` and the e2e tests both use it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = new JsonLogger(createLogger(config.LOG_LEVEL));
  const adapter = new FastifyAdapter({ bodyLimit: config.PLUMBLINE_MAX_BODY_BYTES, logger: false });
  const fastify = adapter.getInstance();
  // ONNX uploads are raw bytes, and can be larger than a JSON request.
  fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_MODEL_BYTES }, (_request, body, done) => done(null, body));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, { logger, abortOnError: false });
  app.useGlobalFilters(new ErrorFilter(config.PLUMBLINE_MAX_BODY_BYTES));
  return app;
}
