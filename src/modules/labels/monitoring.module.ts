import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { every } from '../../common/every.js';
import { APP_CONFIG, type AppConfig } from '../../config/env.js';
import { Database } from '../../database/database.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { SegmentCap } from '../../monitoring/segment-cap.js';
import { PerformanceGauges } from '../performance/performance-gauges.js';
import { FOLD_CHUNK, PerformanceRepository } from '../performance/performance.repository.js';
import { PerformanceService } from '../performance/performance.service.js';
import { LabelsController } from './labels.controller.js';
import { LabelsRepository } from './labels.repository.js';
import { LabelsService } from './labels.service.js';

const SWEEP_INTERVAL_MS = 5000;
/**
 * A fold merges the deltas of one aggregate row into one upsert, and at 20,000 labels per second spread over a day's
 * buckets (7,200 rows with the overall ones) two seconds of deltas cost a fifth less per delta than one second's
 * (8.4 vs 10.5 µs, machine PostgreSQL 15). Readers sum the deltas not folded yet, so this changes no figure.
 */
const COMPACT_INTERVAL_MS = 2000;
/**
 * Deltas folded between two vacuums of the aggregate tables (see `PerformanceRepository.vacuum`): at 20,000
 * labels per second, about every 5 s.
 */
const VACUUM_AFTER_DELTAS = 100_000;

/**
 * The monitoring clock: folds the aggregate deltas into their buckets every two seconds; joins pending labels whose prediction arrived and expires those past the
 * join window; refreshes the performance gauges. A tick that is still running is not doubled.
 */
class MonitoringScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('monitoring');
  private readonly stops: Array<() => void> = [];
  private foldedSinceVacuum = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LabelsService) private readonly labels: LabelsService,
    @Inject(PerformanceGauges) private readonly gauges: PerformanceGauges,
    @Inject(PerformanceRepository) private readonly performance: PerformanceRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.every(COMPACT_INTERVAL_MS, 'aggregate compaction', () => this.compact());
    this.every(SWEEP_INTERVAL_MS, 'pending label sweep', () => this.labels.sweep());
    this.every(this.config.PLUMBLINE_GAUGE_INTERVAL, 'performance gauge refresh', () => this.gauges.refresh());
  }

  onModuleDestroy(): void {
    for (const stop of this.stops) stop();
  }

  /**
   * Folds the aggregate deltas into their buckets, in chunks, while a chunk comes back full (a backlog). The
   * deltas that arrive during a fold wait for the next tick: a fold merges a tick's deltas of one aggregate
   * row into one upsert, where folding again at once merged next to nothing (labels spread over a day's
   * buckets: about 1.5 upserts per delta, 3× the fold's cost, in a loop that never rested under load).
   */
  private async compact(): Promise<void> {
    let folded: number;
    do {
      folded = await this.performance.compact();
      this.foldedSinceVacuum += folded;
    } while (folded === FOLD_CHUNK);
    if (this.foldedSinceVacuum >= VACUUM_AFTER_DELTAS) {
      this.foldedSinceVacuum = 0;
      await this.performance.vacuum();
    }
  }

  private every(intervalMs: number, what: string, work: () => Promise<unknown>): void {
    this.stops.push(every(intervalMs, what, work, (message) => this.logger.warn(message)));
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
    {
      provide: PerformanceGauges,
      inject: [APP_CONFIG, ModelRepository, PerformanceRepository, PlumblineMetrics, SegmentCap],
      useFactory: (config: AppConfig, models: ModelRepository, repository: PerformanceRepository, metrics: PlumblineMetrics, cap: SegmentCap) =>
        new PerformanceGauges(models, repository, metrics, cap, config.PLUMBLINE_PERFORMANCE_WINDOWS),
    },
    MonitoringScheduler,
  ],
  controllers: [LabelsController],
  exports: [PerformanceService, LabelsService, PerformanceGauges, SegmentCap],
})
export class MonitoringModule {}
