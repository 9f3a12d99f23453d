import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PredictionsService } from './predictions.service.js';

interface InferParams {
  model: string;
  version?: string;
}

/**
 * OIP v2 inference (DESIGN §5.1), the hot path, as plain Fastify routes rather than a Nest controller:
 * Nest's router (parameter extraction, interceptor chain, response controller) cost about 9 % of
 * requests/s here (1 row, 64 connections, group commit, 8 alternating rounds). Everything else is the
 * same as for Nest's routes: the instance's hooks (API keys, unknown models) run first, the same
 * JSON body parser reads the body, and what is thrown goes to Nest's error handler, so to ErrorFilter.
 */
export function registerInferRoutes(fastify: FastifyInstance, predictions: PredictionsService): void {
  const infer = (request: FastifyRequest<{ Params: InferParams }>) => predictions.inferOip(request.params.model, request.params.version, request.body);
  fastify.post<{ Params: InferParams }>('/v2/models/:model/infer', infer);
  fastify.post<{ Params: InferParams }>('/v2/models/:model/versions/:version/infer', infer);
}
