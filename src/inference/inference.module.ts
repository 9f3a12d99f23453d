import { Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/env.js';
import { ModelRepository } from './model-repository.js';
import { ModelMetadataController } from './model-metadata.controller.js';
import { RepositoryController } from './repository.controller.js';

class ModelRepositoryLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(ModelRepository) private readonly repository: ModelRepository) {}

  /** After every module's init, so that load listeners (the catalogue) are registered. */
  onApplicationBootstrap(): Promise<void> {
    return this.repository.loadAll();
  }

  onApplicationShutdown(): Promise<void> {
    return this.repository.close();
  }
}

@Module({
  providers: [
    {
      provide: ModelRepository,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('models');
        return new ModelRepository(
          config.modelRepository,
          { threads: config.PLUMBLINE_ORT_THREADS, batchMaxRows: config.PLUMBLINE_BATCH_MAX_ROWS, batchMaxWaitUs: config.PLUMBLINE_BATCH_MAX_WAIT_US },
          (level, message) => (level === 'warn' ? logger.warn(message) : logger.log(message)),
        );
      },
    },
    ModelRepositoryLifecycle,
  ],
  controllers: [ModelMetadataController, RepositoryController],
  exports: [ModelRepository],
})
export class InferenceModule {}
