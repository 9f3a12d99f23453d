import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { every } from '../../common/every.js';
import { APP_CONFIG, type AppConfig } from '../../config/env.js';
import { Database } from '../../database/database.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { MonitoringModule } from '../labels/monitoring.module.js';
import { LabelsService } from '../labels/labels.service.js';
import { PerformanceRepository } from '../performance/performance.repository.js';
import { FairnessController } from './fairness.controller.js';
import { FairnessGauges } from './fairness-gauges.js';
import { FairnessService } from './fairness.service.js';

/** Refreshes the fairness gauges on the performance gauges' clock; a refresh still running is not doubled. */
class FairnessGaugeClock implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('monitoring');
  private stop?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FairnessGauges) private readonly gauges: FairnessGauges,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = every(this.config.PLUMBLINE_GAUGE_INTERVAL, 'fairness gauge refresh', () => this.gauges.refresh(), (message) => this.logger.warn(message));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}

/** Fairness per sensitive attribute: the query, its gauges, over the performance aggregates. */
@Module({
  imports: [InferenceModule, MonitoringModule],
  providers: [
    { provide: PerformanceRepository, inject: [Database], useFactory: (database: Database) => new PerformanceRepository(database) },
    {
      provide: FairnessService,
      inject: [ModelRepository, PerformanceRepository, LabelsService],
      useFactory: (models: ModelRepository, repository: PerformanceRepository, labels: LabelsService) => new FairnessService(models, repository, (model) => labels.joinPending(model)),
    },
    {
      provide: FairnessGauges,
      inject: [APP_CONFIG, ModelRepository, FairnessService, PlumblineMetrics],
      useFactory: (config: AppConfig, models: ModelRepository, fairness: FairnessService, metrics: PlumblineMetrics) =>
        new FairnessGauges(models, fairness, metrics, config.PLUMBLINE_PERFORMANCE_WINDOWS),
    },
    FairnessGaugeClock,
  ],
  controllers: [FairnessController],
  exports: [FairnessService, FairnessGauges],
})
export class FairnessModule {}
