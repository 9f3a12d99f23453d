import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { ModelRepository } from './inference/model-repository.js';
import { allows, ApiKeyRing, presentedKey, requiredRole } from './common/api-keys.js';
import { ErrorFilter } from './common/error.filter.js';
import { HttpError, HttpErrorCode } from './common/http.errors.js';
import { createLogger, JsonLogger } from './common/logger.js';
import { registerInferRoutes } from './modules/predictions/infer.routes.js';
import { PredictionsService } from './modules/predictions/predictions.service.js';
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
      done(null, parseJsonBody(body as string, config.PLUMBLINE_MAX_JSON_DEPTH));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // ONNX uploads are raw bytes, and can be larger than a JSON request.
  fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_MODEL_BYTES }, (_request, body, done) => done(null, body));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, { logger, abortOnError: false, bodyParser: false });
  app.useGlobalFilters(new ErrorFilter(config.PLUMBLINE_MAX_BODY_BYTES));
  authenticate(fastify, config, logger);
  rejectUnknownModelsEarly(fastify, app.get(ModelRepository));
  registerInferRoutes(fastify, app.get(PredictionsService));
  return app;
}

/**
 * API keys and roles (DESIGN §8), checked before anything else of the request is looked at (its body is
 * not even read): 401 without a valid key, 403 with a key whose role is too low. Without keys the
 * server is open, and says so.
 */
function authenticate(fastify: FastifyInstance, config: AppConfig, logger: JsonLogger): void {
  const ring = new ApiKeyRing(config.PLUMBLINE_API_KEYS);
  if (!ring.enabled) {
    logger.warn('no API keys configured (PLUMBLINE_API_KEYS): every endpoint is open to anyone who can reach this server', 'security');
    return;
  }
  logger.log(`API keys: ${config.PLUMBLINE_API_KEYS.map((key) => `${key.name} (${key.role})`).join(', ')}`, 'security');
  fastify.addHook('onRequest', async (request, reply) => {
    const needed = requiredRole(request.method, request.url, config.PLUMBLINE_METRICS_PUBLIC);
    if (needed === null) return;
    const presented = presentedKey(request.headers);
    const caller = presented === undefined ? undefined : ring.authenticate(presented);
    if (!caller) {
      reply.header('www-authenticate', 'Bearer realm="plumbline"');
      throw new HttpError(HttpErrorCode.Unauthenticated, presented === undefined ? 'an API key is needed: send "Authorization: Bearer <key>" or "X-API-Key: <key>"' : 'the API key is not valid');
    }
    if (!allows(caller.role, needed)) {
      throw new HttpError(HttpErrorCode.Forbidden, `key '${caller.name}' has role '${caller.role}'; ${request.method} ${request.url.split('?')[0]} needs '${needed}'`);
    }
  });
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

/** JSON bodies: a clear 400 for malformed text, for nesting deeper than the limit, and for `__proto__` / `constructor.prototype` keys. */
function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.trim().length === 0) throw new HttpError(HttpErrorCode.MalformedJson, 'the JSON body is empty');
  if (nestingDepth(text, maxDepth) > maxDepth) throw new HttpError(HttpErrorCode.BadRequest, `the JSON body nests deeper than ${maxDepth} levels (PLUMBLINE_MAX_JSON_DEPTH)`);
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof SyntaxError && /prototype/.test(error.message)) {
      throw new HttpError(HttpErrorCode.BadRequest, 'the body contains a forbidden "__proto__" or "constructor.prototype" key');
    }
    throw new HttpError(HttpErrorCode.MalformedJson, `malformed JSON body: ${(error as Error).message}`);
  }
}

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count); stops counting past `limit`. */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
