import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/env.js';
import { Database } from '../../database/database.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { SegmentCap } from '../../monitoring/segment-cap.js';
import { PerformanceRepository } from '../performance/performance.repository.js';
import { PerformanceService } from '../performance/performance.service.js';
import { LabelsController } from './labels.controller.js';
import { LabelsRepository } from './labels.repository.js';
import { LabelsService } from './labels.service.js';

const SWEEP_INTERVAL_MS = 5000;

/** Joins pending labels whose prediction arrived, and expires those past the join window. */
class LabelSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('labels');
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(LabelsService) private readonly labels: LabelsService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.labels.sweep().catch((error: Error) => this.logger.warn(`pending label sweep failed (will retry): ${error.message}`));
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}

/** Labels, losses and performance: the aggregates and what writes and reads them. */
@Module({
  imports: [InferenceModule],
  providers: [
    { provide: SegmentCap, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new SegmentCap(config.PLUMBLINE_MAX_SEGMENT_VALUES) },
    { provide: PerformanceRepository, inject: [Database], useFactory: (database: Database) => new PerformanceRepository(database) },
    { provide: LabelsRepository, inject: [Database], useFactory: (database: Database) => new LabelsRepository(database) },
    {
      provide: LabelsService,
      inject: [APP_CONFIG, ModelRepository, LabelsRepository, PerformanceRepository, PlumblineMetrics, SegmentCap],
      useFactory: (config: AppConfig, models: ModelRepository, labels: LabelsRepository, performance: PerformanceRepository, metrics: PlumblineMetrics, cap: SegmentCap) =>
        new LabelsService(models, labels, performance, metrics, cap, {
          maxLabels: config.PLUMBLINE_MAX_LABELS,
          maxStringLength: config.PLUMBLINE_MAX_STRING_LENGTH,
          bucketMs: config.PLUMBLINE_BUCKET,
          joinWindowMs: config.PLUMBLINE_LABEL_JOIN_WINDOW,
        }),
    },
    {
      provide: PerformanceService,
      inject: [APP_CONFIG, ModelRepository, PerformanceRepository, LabelsService],
      useFactory: (config: AppConfig, models: ModelRepository, repository: PerformanceRepository, labels: LabelsService) =>
        new PerformanceService(models, repository, config.PLUMBLINE_BUCKET, (model) => labels.joinPending(model)),
    },
    LabelSweeper,
  ],
  controllers: [LabelsController],
  exports: [PerformanceService, LabelsService],
})
export class MonitoringModule {}
