import { DomainError } from '../../common/domain-error.js';

export enum PredictionsErrorCode {
  DuplicatePredictionId = 'DUPLICATE_PREDICTION_ID',
  PredictionNotFound = 'PREDICTION_NOT_FOUND',
}

export class PredictionsError extends DomainError<PredictionsErrorCode> {}
