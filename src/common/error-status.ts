import { HttpErrorCode } from './http.errors.js';
import { InferenceErrorCode } from '../inference/inference.errors.js';
import { ModelsErrorCode } from '../modules/models/models.errors.js';
import { PredictionsErrorCode } from '../modules/predictions/predictions.errors.js';
import { LabelsErrorCode } from '../modules/labels/labels.errors.js';
import { DriftErrorCode } from '../modules/drift/drift.errors.js';
import { AlertsErrorCode } from '../modules/alerts/alerts.errors.js';

export type ErrorCode = HttpErrorCode | InferenceErrorCode | ModelsErrorCode | PredictionsErrorCode | LabelsErrorCode | DriftErrorCode | AlertsErrorCode;

/** Every domain code and its HTTP status. A code missing here fails to compile. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  [HttpErrorCode.MalformedJson]: 400,
  [HttpErrorCode.BodyTooLarge]: 413,
  [HttpErrorCode.UnsupportedMediaType]: 415,
  [HttpErrorCode.RouteNotFound]: 404,
  [HttpErrorCode.BadRequest]: 400,
  [HttpErrorCode.Unauthenticated]: 401,
  [HttpErrorCode.Forbidden]: 403,
  [HttpErrorCode.Internal]: 500,
  [HttpErrorCode.DatabaseUnavailable]: 503,
  [HttpErrorCode.ShuttingDown]: 503,
  [InferenceErrorCode.ModelNotFound]: 404,
  [InferenceErrorCode.VersionNotFound]: 404,
  [InferenceErrorCode.InvalidRequest]: 400,
  [InferenceErrorCode.InvalidInput]: 400,
  [InferenceErrorCode.InvalidDatatype]: 400,
  [InferenceErrorCode.InvalidShape]: 400,
  [InferenceErrorCode.InvalidValue]: 400,
  [InferenceErrorCode.TooManyRows]: 413,
  [InferenceErrorCode.InvalidSegment]: 400,
  [InferenceErrorCode.InvalidPredictionId]: 400,
  [InferenceErrorCode.InferenceFailed]: 500,
  [ModelsErrorCode.InvalidModelName]: 400,
  [ModelsErrorCode.InvalidVersion]: 400,
  [ModelsErrorCode.InvalidModelConfig]: 400,
  [ModelsErrorCode.InvalidModelFile]: 400,
  [ModelsErrorCode.ModelLoadFailed]: 400,
  [PredictionsErrorCode.DuplicatePredictionId]: 409,
  [PredictionsErrorCode.PredictionNotFound]: 404,
  [LabelsErrorCode.InvalidLabels]: 400,
  [LabelsErrorCode.TooManyLabels]: 413,
  [DriftErrorCode.NoReference]: 409,
  [DriftErrorCode.InvalidReference]: 400,
  [AlertsErrorCode.InvalidAlertRule]: 400,
  [AlertsErrorCode.AlertRuleNotFound]: 404,
  [AlertsErrorCode.InvalidWebhook]: 400,
  [AlertsErrorCode.WebhookNotFound]: 404,
  [AlertsErrorCode.DuplicateWebhook]: 409,
};
