import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';

/** Every Prometheus series of DESIGN §6 that exists so far, on Plumbline's own registry. */
export class PlumblineMetrics {
  readonly registry = new Registry();

  readonly inferenceRequests = new Counter({
    name: 'plumbline_inference_requests_total',
    help: 'Inference requests answered, by model, version and HTTP status code.',
    labelNames: ['model', 'version', 'code'] as const,
    registers: [this.registry],
  });

  readonly inferenceDuration = new Histogram({
    name: 'plumbline_inference_request_duration_seconds',
    help: 'Time from a validated inference request to its answer, including the prediction log commit.',
    labelNames: ['model', 'version'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly batchRows = new Histogram({
    name: 'plumbline_inference_batch_rows',
    help: 'Rows per inference request.',
    labelNames: ['model', 'version'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 10000],
    registers: [this.registry],
  });

  readonly predictionsLogged = new Counter({
    name: 'plumbline_predictions_logged_total',
    help: 'Predictions committed to the prediction log in PostgreSQL.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly spooledRows = new Gauge({
    name: 'plumbline_prediction_log_spooled_rows',
    help: 'Predictions waiting in the local spool file for PostgreSQL to come back.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly labels = new Counter({
    name: 'plumbline_labels_total',
    help: 'Labels received, by outcome: matched (joined now or when the prediction arrived), pending, duplicate, rejected, expired.',
    labelNames: ['model', 'result'] as const,
    registers: [this.registry],
  });

  // The label path's histograms observe a few thousand values per call over a handful of label sets (SeriesHistogram).
  readonly labelDelay = new SeriesHistogram({
    name: 'plumbline_label_delay_seconds',
    help: 'Time from a prediction to its label being joined.',
    labelNames: ['model'] as const,
    buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400],
    registers: [this.registry],
  });

  readonly loss = new SeriesHistogram({
    name: 'plumbline_loss',
    help: 'Per-request loss of labeled predictions (the configured loss), overall (segment_key="") and per segment.',
    labelNames: ['model', 'version', 'segment_key', 'segment'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 50, 100, 1000],
    registers: [this.registry],
  });

  readonly performance = new Gauge({
    name: 'plumbline_performance',
    help: 'Performance over a trailing window (METRICS §2), per version ("" = all versions) and segment ("" = overall); refreshed every PLUMBLINE_GAUGE_INTERVAL.',
    labelNames: ['model', 'version', 'segment_key', 'segment', 'metric', 'window'] as const,
    registers: [this.registry],
  });

  readonly drift = new Gauge({
    name: 'plumbline_drift',
    help: 'Drift over a trailing window against the reference (METRICS §3), per version ("" = all), feature and segment ("" = overall); statistic "drift" is 1 when drifting, 0 when not; refreshed every PLUMBLINE_GAUGE_INTERVAL (a window of h hours every h intervals).',
    labelNames: ['model', 'version', 'feature', 'segment_key', 'segment', 'statistic', 'window'] as const,
    registers: [this.registry],
  });

  readonly fairness = new Gauge({
    name: 'plumbline_fairness',
    help: 'Disparity between the groups of a sensitive attribute over a trailing window (METRICS §4), per version ("" = all versions); refreshed every PLUMBLINE_GAUGE_INTERVAL.',
    labelNames: ['model', 'version', 'attribute', 'metric', 'window'] as const,
    registers: [this.registry],
  });

  readonly alerts = new Gauge({
    name: 'plumbline_alerts',
    help: 'Pending and firing alerts, like Prometheus ALERTS (the number of alerts with these labels); set by the evaluating process only.',
    labelNames: ['alertname', 'model', 'severity', 'alertstate'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'plumbline_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (failed, will be retried), gave_up.',
    labelNames: ['webhook', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
