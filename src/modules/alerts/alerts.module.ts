import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/env.js';
import { Database } from '../../database/database.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { DriftModule } from '../drift/drift.module.js';
import { DriftService } from '../drift/drift.service.js';
import { FairnessModule } from '../fairness/fairness.module.js';
import { FairnessService } from '../fairness/fairness.service.js';
import { MonitoringModule } from '../labels/monitoring.module.js';
import { PerformanceService } from '../performance/performance.service.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { MetricRef } from './alert-metric.js';
import { AlertNotifier } from './alert-notifier.js';
import { SERVING_WINDOW_MAX_MS, type RuleModel } from './alert-rule.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsScheduler } from './alerts.scheduler.js';
import { AlertsService } from './alerts.service.js';
import { EvaluationLock } from './evaluation-lock.js';
import { DriftSource, FairnessSource, MissingSource, PerformanceSource, ServingSource, type DriftQueryFn, type FairnessQueryFn, type MetricSource } from './metric-sources.js';
import { ServingWindow } from './serving-window.js';
import { WebhookDelivery } from './webhook-delivery.js';


const logger = new Logger('alerts');
const log = (level: 'warn' | 'debug' | 'log', message: string) => (level === 'warn' ? logger.warn(message) : level === 'debug' ? logger.debug(message) : logger.log(message));

/** What rule validation and evaluation need to know of a served model. */
function ruleModelOf(models: ModelRepository): (name: string) => RuleModel | undefined {
  return (name) => {
    const model = models.list().find((candidate) => candidate.name === name);
    return model && { task: model.config.task, features: model.spec.features, sensitive: model.config.sensitive, segmentKeys: model.spec.segmentKeys };
  };
}

function missing(what: string): MetricSource {
  let warned = false;
  return new MissingSource(() => {
    if (!warned) log('warn', `${what} metrics are not available in this build: rules on them report no data`);
    warned = true;
  });
}

class AlertsLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AlertsScheduler) private readonly scheduler: AlertsScheduler,
  ) {}

  onApplicationBootstrap(): void {
    // PLUMBLINE_ALERTS_ENABLED=false: this replica serves the API but never evaluates or delivers.
    if (this.config.PLUMBLINE_ALERTS_ENABLED) this.scheduler.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.scheduler.stop();
  }
}

/** Threshold alerts, their evaluation on the advisory-lock holder, and webhook / Alertmanager delivery (DESIGN §5.6, §9). */
@Module({
  imports: [InferenceModule, MonitoringModule, DriftModule, FairnessModule],
  providers: [
    { provide: AlertsRepository, inject: [Database], useFactory: (database: Database) => new AlertsRepository(database) },
    {
      provide: AlertNotifier,
      inject: [APP_CONFIG, AlertsRepository],
      useFactory: (config: AppConfig, repository: AlertsRepository) =>
        new AlertNotifier(repository, config.PLUMBLINE_EXTERNAL_URL ?? '', config.PLUMBLINE_ALERTMANAGER_URL !== undefined),
    },
    {
      provide: AlertsService,
      inject: [APP_CONFIG, AlertsRepository, AlertNotifier, ModelRepository],
      useFactory: (config: AppConfig, repository: AlertsRepository, notifier: AlertNotifier, models: ModelRepository) =>
        new AlertsService(
          repository,
          notifier,
          ruleModelOf(models),
          { retentionMs: config.PLUMBLINE_RETENTION, maxStringLength: config.PLUMBLINE_MAX_STRING_LENGTH },
          config.PLUMBLINE_WEBHOOK_ALLOW_PRIVATE,
        ),
    },
    {
      provide: AlertsScheduler,
      inject: [
        APP_CONFIG,
        Database,
        AlertsRepository,
        AlertNotifier,
        ModelRepository,
        PlumblineMetrics,
        PerformanceService,
        DriftService,
        FairnessService,
      ],
      useFactory: (
        config: AppConfig,
        database: Database,
        repository: AlertsRepository,
        notifier: AlertNotifier,
        models: ModelRepository,
        metrics: PlumblineMetrics,
        performance: PerformanceService,
        driftService: DriftService,
        fairnessService: FairnessService,
      ) => {
        const drift: DriftQueryFn = (model, query) => driftService.query(model, query);
        const fairness: FairnessQueryFn = (model, query) => fairnessService.query(model, query);
        const interval = config.PLUMBLINE_ALERT_INTERVAL;
        // Serving snapshots: at most one a second, kept for the longest serving window a rule may have.
        const serving = new ServingWindow(SERVING_WINDOW_MAX_MS + interval, Math.max(interval, 1000));
        const performanceSource = new PerformanceSource((model, query) => performance.query(model, query));
        const sources: Record<MetricRef['source'], MetricSource> = {
          performance: performanceSource,
          estimated: performanceSource,
          serving: new ServingSource((model, windowMs) => serving.figures(model, windowMs, serving.latest() ?? { at: Date.now(), models: new Map() })),
          drift: drift ? new DriftSource(drift) : missing('drift'),
          fairness: fairness ? new FairnessSource(fairness) : missing('fairness'),
        };
        const evaluator = new AlertEvaluator(repository, ruleModelOf(models), sources, notifier, { repeatMs: config.PLUMBLINE_ALERT_REPEAT, log });
        const alertmanagerHoldMs = 4 * Math.max(interval, 60_000);
        const delivery = new WebhookDelivery(repository, metrics, {
          retry: { initialMs: config.PLUMBLINE_WEBHOOK_RETRY_INITIAL, maxMs: config.PLUMBLINE_WEBHOOK_RETRY_MAX, giveUpAfterMs: config.PLUMBLINE_WEBHOOK_GIVE_UP },
          timeoutMs: config.PLUMBLINE_WEBHOOK_TIMEOUT,
          allowPrivate: config.PLUMBLINE_WEBHOOK_ALLOW_PRIVATE,
          alertmanagerUrl: config.PLUMBLINE_ALERTMANAGER_URL,
          alertmanagerHoldMs,
          log,
        });
        return new AlertsScheduler(new EvaluationLock(database.url), evaluator, delivery, repository, notifier, serving, metrics, {
          intervalMs: interval,
          deliveryPollMs: Math.min(interval, 1000),
          alertmanagerResendMs: Math.max(interval, 60_000),
          alertmanager: config.PLUMBLINE_ALERTMANAGER_URL !== undefined,
          log,
        });
      },
    },
    AlertsLifecycle,
  ],
  controllers: [AlertsController],
})
export class AlertsModule {}
