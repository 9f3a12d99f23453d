import { DomainError } from '../../common/domain-error.js';

export enum LabelsErrorCode {
  InvalidLabels = 'INVALID_LABELS',
  TooManyLabels = 'TOO_MANY_LABELS',
}

export class LabelsError extends DomainError<LabelsErrorCode> {}
