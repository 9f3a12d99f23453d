import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { ModelRepository } from './inference/model-repository.js';
import { ErrorFilter } from './common/error.filter.js';
import { HttpError, HttpErrorCode } from './common/http.errors.js';
import { createLogger, JsonLogger } from './common/logger.js';
import type { AppConfig } from './config/env.js';

const MAX_MODEL_BYTES = 1024 * 1024 * 1024;

/** Builds the Nest application on Fastify; `main.ts` and the e2e tests both use it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = new JsonLogger(createLogger(config.LOG_LEVEL));
  // Path parameters carry model names (up to 128 characters) and prediction ids (up to the string limit).
  const maxParamLength = Math.max(128, config.PLUMBLINE_MAX_STRING_LENGTH) * 3;
  const adapter = new FastifyAdapter({ bodyLimit: config.PLUMBLINE_MAX_BODY_BYTES, routerOptions: { maxParamLength }, logger: false });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // ONNX uploads are raw bytes, and can be larger than a JSON request.
  fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_MODEL_BYTES }, (_request, body, done) => done(null, body));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, { logger, abortOnError: false, bodyParser: false });
  app.useGlobalFilters(new ErrorFilter(config.PLUMBLINE_MAX_BODY_BYTES));
  rejectUnknownModelsEarly(fastify, app.get(ModelRepository));
  return app;
}

/** `/v2/models/{m}[/versions/{v}]/infer` and `/api/models/{m}/…` (not the uploads, which create models). */
const MODEL_ROUTE = /^\/(?:v2\/models\/([^/?]+)(?:\/versions\/([^/?]+))?\/infer|api\/models\/([^/?]+)\/[^?]*)(?:\?|$)/;

/** An unknown model or version is a 404 before the body is read (DESIGN §5), whatever the body is. */
function rejectUnknownModelsEarly(fastify: FastifyInstance, models: ModelRepository): void {
  fastify.addHook('onRequest', async (request) => {
    if (request.method === 'PUT') return;
    const match = MODEL_ROUTE.exec(request.url);
    if (!match) return;
    const decode = (segment: string) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    };
    const [, inferModel, version, apiModel] = match;
    if (inferModel) models.getVersion(decode(inferModel), version === undefined ? undefined : decode(version));
    else models.get(decode(apiModel));
  });
}

/** JSON bodies: a clear 400 for malformed text and for `__proto__` / `constructor.prototype` keys. */
function parseJsonBody(text: string): unknown {
  if (text.trim().length === 0) throw new HttpError(HttpErrorCode.MalformedJson, 'the JSON body is empty');
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof SyntaxError && /prototype/.test(error.message)) {
      throw new HttpError(HttpErrorCode.BadRequest, 'the body contains a forbidden "__proto__" or "constructor.prototype" key');
    }
    throw new HttpError(HttpErrorCode.MalformedJson, `malformed JSON body: ${(error as Error).message}`);
  }
}
