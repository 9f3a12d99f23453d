import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isConnectionError, isQueryTimeout } from '../database/database.js';
import { DomainError } from './domain-error.js';
import { ERROR_STATUS, type ErrorCode } from './error-status.js';
import { HttpErrorCode } from './http.errors.js';

export interface ErrorBody {
  error: string;
  code: string;
}

const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: HttpErrorCode.MalformedJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: HttpErrorCode.MalformedJson,
  FST_ERR_CTP_BODY_TOO_LARGE: HttpErrorCode.BodyTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: HttpErrorCode.UnsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: HttpErrorCode.BadRequest,
};

/**
 * Turns anything thrown into `{error, code}` with the status of the code. `maxBodyBytes` only words the
 * 413 of an oversized body (which only Fastify's body reader throws).
 */
export function toErrorResponse(thrown: unknown, maxBodyBytes?: number): { status: number; body: ErrorBody } {
  // Nest wraps Fastify's own 4xx errors (body parsing, size) in an HttpException; look inside.
  const cause = thrown instanceof HttpException ? (thrown.cause as { code?: unknown } | undefined) : undefined;
  const error = cause && typeof cause.code === 'string' ? cause : thrown;
  if (error instanceof DomainError) {
    const status = ERROR_STATUS[error.code as ErrorCode] ?? 500;
    return { status, body: { error: error.message, code: error.code } };
  }
  const fastifyCode = (error as { code?: string })?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CODES) {
    const code = FASTIFY_CODES[fastifyCode];
    const message =
      code === HttpErrorCode.BodyTooLarge
        ? `request body is larger than PLUMBLINE_MAX_BODY_BYTES${maxBodyBytes === undefined ? '' : ` (${maxBodyBytes} bytes)`}`
        : code === HttpErrorCode.MalformedJson
          ? `malformed JSON body: ${(error as Error).message}`
          : code === HttpErrorCode.UnsupportedMediaType
            ? 'unsupported Content-Type: send application/json (application/octet-stream for ONNX uploads)'
            : (error as Error).message;
    return { status: ERROR_STATUS[code], body: { error: message, code } };
  }
  const statusCode = (error as { statusCode?: number })?.statusCode;
  if (error instanceof SyntaxError || (statusCode === 400 && /JSON|prototype|constructor/i.test((error as Error).message))) {
    return { status: 400, body: { error: `malformed JSON body: ${(error as Error).message}`, code: HttpErrorCode.MalformedJson } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = status === 404 ? HttpErrorCode.RouteNotFound : status >= 500 ? HttpErrorCode.Internal : HttpErrorCode.BadRequest;
    return { status, body: { error: error.message, code } };
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: (error as Error).message, code: HttpErrorCode.BadRequest } };
  }
  if (isConnectionError(error)) {
    // Inference keeps serving through the spool; what needs PostgreSQL now (labels, queries, uploads) says so.
    // A statement that ran past the pool's query timeout reached PostgreSQL: say that, not that it is down.
    const message = isQueryTimeout(error) ? 'PostgreSQL did not answer in time (the statement ran past its timeout); retry later' : 'PostgreSQL is unreachable right now; retry later';
    return { status: 503, body: { error: message, code: HttpErrorCode.DatabaseUnavailable } };
  }
  return { status: 500, body: { error: 'internal error', code: HttpErrorCode.Internal } };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly maxBodyBytes: number) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(error, this.maxBodyBytes);
    if (status >= 500 && status !== 503) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    void reply.status(status).send(body);
  }
}
