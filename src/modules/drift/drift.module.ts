import { Inject, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { every } from '../../common/every.js';
import { APP_CONFIG, type AppConfig } from '../../config/env.js';
import { Database } from '../../database/database.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { SegmentCap } from '../../monitoring/segment-cap.js';
import { MonitoringModule } from '../labels/monitoring.module.js';
import { LabelsService } from '../labels/labels.service.js';
import { PerformanceService } from '../performance/performance.service.js';
import { DriftGauges } from './drift-gauges.js';
import { DriftRecorder } from './drift-recorder.js';
import { DriftController } from './drift.controller.js';
import { DriftRepository } from './drift.repository.js';
import { DriftService } from './drift.service.js';

const logger = new Logger('drift');

/** Flushes the histograms every PLUMBLINE_DRIFT_FLUSH_INTERVAL, refreshes the gauges, and flushes once more at shutdown. */
class DriftLifecycle implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly stops: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DriftRecorder) private readonly recorder: DriftRecorder,
    @Inject(DriftGauges) private readonly gauges: DriftGauges,
    @Inject(DriftRepository) private readonly repository: DriftRepository,
    @Inject(LabelsService) labels: LabelsService,
  ) {
    labels.onCommitted(recorder.onLabels);
  }

  onApplicationBootstrap(): void {
    this.every(this.config.PLUMBLINE_DRIFT_FLUSH_INTERVAL, 'drift histogram flush', () => this.recorder.flush());
    this.every(this.config.PLUMBLINE_GAUGE_INTERVAL, 'drift gauge refresh', () => this.gauges.refresh());
    this.every(3_600_000, 'drift histogram retention', () => this.repository.deleteBefore(new Date(Date.now() - this.config.PLUMBLINE_RETENTION)));
  }

  onModuleDestroy(): void {
    for (const stop of this.stops) stop();
  }

  /** After every module's destroy hook: the prediction log has drained, the pool is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.recorder.flush().catch((error: Error) => logger.warn(`last drift flush failed (rebuilt from the log later): ${error.message}`));
  }

  private every(intervalMs: number, what: string, work: () => Promise<unknown>): void {
    this.stops.push(every(intervalMs, what, work, (message) => logger.warn(message)));
  }
}

/** Drift: references, in-memory histograms flushed by upsert-add, queries and gauges. */
@Module({
  imports: [InferenceModule, MonitoringModule],
  providers: [
    { provide: DriftRepository, inject: [Database], useFactory: (database: Database) => new DriftRepository(database) },
    {
      provide: DriftService,
      inject: [APP_CONFIG, ModelRepository, DriftRepository, LabelsService, PerformanceService],
      useFactory: (config: AppConfig, models: ModelRepository, repository: DriftRepository, labels: LabelsService, performance: PerformanceService) =>
        new DriftService(
          models,
          repository,
          {
            bucketMs: config.PLUMBLINE_DRIFT_BUCKET,
            settleMs: 3 * config.PLUMBLINE_DRIFT_FLUSH_INTERVAL + 2000,
            maxSegmentValues: config.PLUMBLINE_MAX_SEGMENT_VALUES,
            limits: { maxRows: config.PLUMBLINE_MAX_ROWS, maxStringLength: config.PLUMBLINE_MAX_STRING_LENGTH },
            maxReferenceRows: 1_000_000,
          },
          (model) => labels.joinPending(model),
          (level, message) => (level === 'warn' ? logger.warn(message) : logger.log(message)),
          performance.hasVersion,
        ),
    },
    { provide: DriftRecorder, inject: [DriftService], useFactory: (drift: DriftService) => drift.recorder },
    {
      provide: DriftGauges,
      inject: [APP_CONFIG, ModelRepository, DriftService, PlumblineMetrics, SegmentCap],
      useFactory: (config: AppConfig, models: ModelRepository, drift: DriftService, metrics: PlumblineMetrics, cap: SegmentCap) =>
        new DriftGauges(models, drift, metrics, cap, config.PLUMBLINE_PERFORMANCE_WINDOWS, config.PLUMBLINE_GAUGE_INTERVAL),
    },
    DriftLifecycle,
  ],
  controllers: [DriftController],
  exports: [DriftService, DriftRecorder],
})
export class DriftModule {}
