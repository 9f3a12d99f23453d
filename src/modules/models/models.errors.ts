import { DomainError } from '../../common/domain-error.js';

export enum ModelsErrorCode {
  InvalidModelName = 'INVALID_MODEL_NAME',
  InvalidVersion = 'INVALID_VERSION',
  InvalidModelConfig = 'INVALID_MODEL_CONFIG',
  InvalidModelFile = 'INVALID_MODEL_FILE',
  ModelLoadFailed = 'MODEL_LOAD_FAILED',
}

export class ModelsError extends DomainError<ModelsErrorCode> {}
