import { DomainError } from './domain-error.js';

export enum HttpErrorCode {
  MalformedJson = 'MALFORMED_JSON',
  BodyTooLarge = 'BODY_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  RouteNotFound = 'ROUTE_NOT_FOUND',
  BadRequest = 'BAD_REQUEST',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  Internal = 'INTERNAL',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  ShuttingDown = 'SHUTTING_DOWN',
}

export class HttpError extends DomainError<HttpErrorCode> {}
