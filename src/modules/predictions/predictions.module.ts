import { join } from 'node:path';
import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/env.js';
import { Database } from '../../database/database.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { DriftRecorder } from '../drift/drift-recorder.js';
import { DriftModule } from '../drift/drift.module.js';
import { LabelsService } from '../labels/labels.service.js';
import { MonitoringModule } from '../labels/monitoring.module.js';
import { PerformanceService } from '../performance/performance.service.js';
import { PredictionLogMaintenance } from './prediction-log.maintenance.js';
import { PredictionLogRepository } from './prediction-log.repository.js';
import { PredictionLogWriter } from './prediction-log.writer.js';
import { PredictionSpool } from './prediction-spool.js';
import { RecordsController } from './predictions.controller.js';
import { PredictionsService } from './predictions.service.js';

const logger = new Logger('prediction-log');
const log = (level: 'info' | 'warn' | 'error', message: string) =>
  level === 'error' ? logger.error(message) : level === 'warn' ? logger.warn(message) : logger.log(message);

class PredictionLogLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(PredictionLogWriter) private readonly writer: PredictionLogWriter,
    @Inject(PredictionLogMaintenance) private readonly maintenance: PredictionLogMaintenance,
    @Inject(PredictionSpool) private readonly spool: PredictionSpool,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.maintenance.start();
  }

  /**
   * Commits (or spools) everything queued before the pool closes. Appends are refused first: a request
   * still in flight (Nest runs this before the HTTP server stops) gets a 503 instead of writing to a
   * spool that is about to close.
   */
  async onModuleDestroy(): Promise<void> {
    this.maintenance.stop();
    this.writer.close();
    await this.writer.drain();
    this.spool.close();
  }
}

@Module({
  imports: [InferenceModule, MonitoringModule, DriftModule],
  providers: [
    { provide: PredictionLogRepository, inject: [Database], useFactory: (database: Database) => new PredictionLogRepository(database) },
    { provide: PredictionSpool, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new PredictionSpool(join(config.dataDir, 'spool', 'predictions.ndjson')) },
    {
      provide: PredictionLogWriter,
      inject: [APP_CONFIG, PredictionLogRepository, PredictionSpool, PlumblineMetrics, PerformanceService, DriftRecorder],
      useFactory: (config: AppConfig, repository: PredictionLogRepository, spool: PredictionSpool, metrics: PlumblineMetrics, performance: PerformanceService, drift: DriftRecorder) =>
        new PredictionLogWriter(repository, spool, metrics, {
          mode: config.PLUMBLINE_LOG_MODE,
          maxBatchRows: config.PLUMBLINE_LOG_BATCH_ROWS,
          writers: config.PLUMBLINE_LOG_WRITERS,
          replayIntervalMs: 1000,
          afterInsert: performance.onPredictions,
          afterCommit: drift.onCommitted,
          log,
        }),
    },
    {
      provide: PredictionLogMaintenance,
      inject: [APP_CONFIG, PredictionLogRepository],
      useFactory: (config: AppConfig, repository: PredictionLogRepository) =>
        new PredictionLogMaintenance(repository, config.PLUMBLINE_RETENTION, (message) => logger.warn(message)),
    },
    {
      provide: PredictionsService,
      inject: [APP_CONFIG, ModelRepository, PredictionLogWriter, PredictionLogRepository, PlumblineMetrics, LabelsService],
      useFactory: (config: AppConfig, models: ModelRepository, writer: PredictionLogWriter, repository: PredictionLogRepository, metrics: PlumblineMetrics, labels: LabelsService) =>
        new PredictionsService(
          models,
          writer,
          repository,
          metrics,
          { maxRows: config.PLUMBLINE_MAX_ROWS, maxStringLength: config.PLUMBLINE_MAX_STRING_LENGTH, maxTensorElements: config.PLUMBLINE_MAX_TENSOR_ELEMENTS },
          config.PLUMBLINE_RETENTION,
          (model, id) => labels.joinPendingLabel(model, id),
        ),
    },
    PredictionLogLifecycle,
  ],
  controllers: [RecordsController],
  exports: [PredictionLogWriter],
})
export class PredictionsModule {}
