import { DomainError } from '../common/domain-error.js';

export enum InferenceErrorCode {
  ModelNotFound = 'MODEL_NOT_FOUND',
  VersionNotFound = 'VERSION_NOT_FOUND',
  InvalidRequest = 'INVALID_REQUEST',
  InvalidInput = 'INVALID_INPUT',
  InvalidDatatype = 'INVALID_DATATYPE',
  InvalidShape = 'INVALID_SHAPE',
  InvalidValue = 'INVALID_VALUE',
  TooManyRows = 'TOO_MANY_ROWS',
  InvalidSegment = 'INVALID_SEGMENT',
  InvalidPredictionId = 'INVALID_PREDICTION_ID',
  InferenceFailed = 'INFERENCE_FAILED',
}

export class InferenceError extends DomainError<InferenceErrorCode> {}
