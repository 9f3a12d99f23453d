import { DomainError } from '../../common/domain-error.js';

export enum DriftErrorCode {
  NoReference = 'NO_REFERENCE',
  InvalidReference = 'INVALID_REFERENCE',
}

export class DriftError extends DomainError<DriftErrorCode> {}
