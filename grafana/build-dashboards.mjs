#!/usr/bin/env node
// Writes grafana/dashboards/*.json from the definitions below (the JSON is committed; edit here and
// run `node grafana/build-dashboards.mjs`). The dashboards e2e test checks that the files match.
//
// Conventions every query follows:
// - Gauges computed from PostgreSQL (plumbline_performance, _drift, _fairness, _alerts) are the same on
//   every replica: `max without(instance, pod)` keeps one copy. Counters and histograms count what
//   each replica saw: `sum by (...)` adds the replicas up.
// - On the gauge dashboards the version variable's "All" is `.*`, and gauge selectors carry
//   `version=~"$version", version!~"$version.+"`: with All that keeps only the all-versions series
//   (version=""), with a version v it keeps exactly v. Counters and histograms use `version=~"$version"`.
// - plumbline_drift and plumbline_fairness are matched with `window=~"$window|"` (a series without a
//   window label matches too).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DATASOURCE = { type: 'prometheus', uid: 'plumbline-prometheus' };
const DEDUP = 'max without(instance, pod)';
const VG = 'version=~"$version", version!~"$version.+"';

// ---------------------------------------------------------------------------------------------
// Building blocks

function thresholds(...steps) {
  return { mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) };
}
const GREEN_ABOVE = (warn, bad) => thresholds(['red', null], ['orange', bad], ['green', warn]);
const RED_ABOVE = (warn, bad) => thresholds(['green', null], ['orange', warn], ['red', bad]);
const DIFFERENCE_BAND = thresholds(['red', null], ['green', -0.1], ['red', 0.1]);
const RATIO_BAND = thresholds(['red', null], ['green', 0.8], ['red', 1.25]);

function target(expr, legendFormat = '', extra = {}) {
  return { expr, legendFormat, datasource: DATASOURCE, ...extra };
}

class Layout {
  x = 0;
  y = 0;
  rowHeight = 0;
  id = 0;
  panels = [];

  add(panel, w, h) {
    if (this.x + w > 24) this.newline();
    panel.id = ++this.id;
    panel.gridPos = { x: this.x, y: this.y, w, h };
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    this.panels.push(panel);
  }

  newline() {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }

  row(title) {
    this.newline();
    this.add({ type: 'row', title, collapsed: false, panels: [] }, 24, 1);
    this.newline();
  }
}

function timeseries(title, targets, { unit = 'short', th, thresholdsStyle = th ? 'line' : 'off', description, min, max, stack = false, decimals } = {}) {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets),
    fieldConfig: {
      defaults: {
        unit,
        min,
        max,
        decimals,
        color: { mode: 'palette-classic' },
        thresholds: th ?? thresholds(['green', null]),
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: stack ? 30 : 0,
          showPoints: 'never',
          spanNulls: true,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: thresholdsStyle },
        },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

function stat(title, targets, { unit = 'short', th = thresholds(['green', null]), description, decimals, mappings = [], colorMode = 'background' } = {}) {
  return {
    type: 'stat',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets.map((t) => ({ ...t, instant: true, range: false }))),
    fieldConfig: { defaults: { unit, decimals, thresholds: th, mappings, color: { mode: 'thresholds' } }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode, graphMode: 'area', textMode: 'auto', justifyMode: 'auto', orientation: 'auto' },
  };
}

function table(title, targets, { description, columns = {}, hide = [], th, unit = 'short', decimals = 3 } = {}) {
  const overrides = Object.entries(columns).map(([name, props]) => ({
    matcher: { id: 'byName', options: name },
    properties: [
      ...(props.th ? [{ id: 'thresholds', value: props.th }, { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } }] : []),
      ...(props.unit ? [{ id: 'unit', value: props.unit }] : []),
      ...(props.mappings ? [{ id: 'mappings', value: props.mappings }] : []),
      ...(props.displayName ? [{ id: 'displayName', value: props.displayName }] : []),
    ],
  }));
  return {
    type: 'table',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets.map((t) => ({ ...t, instant: true, range: false, format: 'table' }))),
    fieldConfig: { defaults: { unit, decimals, thresholds: th ?? thresholds(['green', null]), custom: { align: 'auto' } }, overrides },
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: Object.fromEntries(['Time', '__name__', 'job', 'instance', ...hide].map((name) => [name, true])), renameByName: {} } },
    ],
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false } },
  };
}

function stateTimeline(title, targets, { description, mappings, th } = {}) {
  return {
    type: 'state-timeline',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets),
    fieldConfig: { defaults: { thresholds: th ?? thresholds(['green', null], ['red', 1]), mappings: mappings ?? [], color: { mode: 'thresholds' }, custom: { fillOpacity: 80, lineWidth: 0 } }, overrides: [] },
    options: { showValue: 'never', mergeValues: true, rowHeight: 0.9, legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
  };
}

function heatmap(title, targets, { description, unit = 'short' } = {}) {
  return {
    type: 'heatmap',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets.map((t) => ({ ...t, format: 'heatmap' }))),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { calculate: false, yAxis: { unit }, cellGap: 1, color: { mode: 'scheme', scheme: 'Oranges', steps: 64 }, rowsFrame: { layout: 'auto' } },
  };
}

function refIds(targets) {
  return targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t }));
}

const DRIFT_MAPPINGS = [{ type: 'value', options: { 0: { text: 'ok', color: 'green', index: 0 }, 1: { text: 'drift', color: 'red', index: 1 } } }];

// Template variables ------------------------------------------------------------------------------

function queryVariable(name, label, query, { includeAll = false, allValue, multi = false, current, hide = 0, sort = 1 } = {}) {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    query: { query, refId: `${name}-variable` },
    definition: query,
    refresh: 2,
    includeAll,
    allValue: includeAll ? allValue : undefined,
    multi,
    sort,
    hide,
    current: current ?? (includeAll ? { selected: true, text: 'All', value: '$__all' } : {}),
    options: [],
  };
}

function customVariable(name, label, values, current = values[0]) {
  return {
    name,
    label,
    type: 'custom',
    query: values.join(','),
    current: { selected: true, text: current, value: current },
    options: values.map((value) => ({ selected: value === current, text: value, value })),
    multi: false,
    includeAll: false,
    hide: 0,
  };
}

const VARIABLES = {
  modelGauges: queryVariable('model', 'model', 'label_values(plumbline_performance, model)', { current: { selected: true, text: 'credit', value: 'credit' } }),
  versionGauges: queryVariable('version', 'version', 'label_values(plumbline_performance{model="$model"}, version)', { includeAll: true, allValue: '.*' }),
  segmentKey: queryVariable('segment_key', 'segment key', 'label_values(plumbline_performance{model="$model"}, segment_key)', { current: { selected: true, text: 'region', value: 'region' } }),
  segment: queryVariable('segment', 'segment value', 'label_values(plumbline_performance{model="$model", segment_key="$segment_key"}, segment)', { includeAll: true, allValue: '.+', multi: true }),
  window: customVariable('window', 'window', ['1h', '24h']),
};

function dashboard(uid, title, description, variables, layout, tags = []) {
  return {
    uid,
    title,
    description,
    tags: ['plumbline', ...tags],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    annotations: { list: [] },
    links: [{ type: 'dashboards', tags: ['plumbline'], asDropdown: true, title: 'Plumbline', includeVars: true, keepTime: true }],
    templating: { list: variables },
    panels: layout.panels,
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Serving

function serving() {
  const sel = 'model=~"$model", version=~"$version"';
  const requests = `plumbline_inference_requests_total{${sel}}`;
  const L = new Layout();
  L.add(stat('Requests / s', [target(`sum(rate(${requests}[$__rate_interval]))`)], { unit: 'reqps', colorMode: 'value' }), 6, 4);
  L.add(stat('Error rate', [target(`(sum(rate(plumbline_inference_requests_total{${sel}, code!~"2.."}[$__rate_interval])) or vector(0)) / sum(rate(${requests}[$__rate_interval]))`)], { unit: 'percentunit', decimals: 2, th: RED_ABOVE(0.01, 0.05), description: 'Share of answered inference requests that were not 2xx. Orange from 1 %, red from 5 % (the PlumblineHighErrorRate band).' }), 6, 4);
  L.add(stat('p99 latency', [target(`histogram_quantile(0.99, sum by (le) (rate(plumbline_inference_request_duration_seconds_bucket{${sel}}[$__rate_interval])))`)], { unit: 's', th: RED_ABOVE(0.25, 1) }), 6, 4);
  L.add(stat('Rows in the spool', [target('sum(plumbline_prediction_log_spooled_rows{model=~"$model"})')], { th: RED_ABOVE(1, 10000), description: 'Predictions written to the local spool file while PostgreSQL was unreachable, on all replicas. They drain when it comes back.' }), 6, 4);

  L.row('Traffic');
  L.add(timeseries('Request rate per model and version', [target(`sum by (model, version) (rate(${requests}[$__rate_interval]))`, '{{model}} v{{version}}')], { unit: 'reqps' }), 12, 8);
  L.add(timeseries('Responses per status code', [target(`sum by (code) (rate(${requests}[$__rate_interval]))`, '{{code}}')], { unit: 'reqps', stack: true }), 12, 8);
  L.add(
    timeseries(
      'Error rate per model and version',
      [target(`(sum by (model, version) (rate(plumbline_inference_requests_total{${sel}, code!~"2.."}[$__rate_interval])) or sum by (model, version) (rate(${requests}[$__rate_interval])) * 0) / sum by (model, version) (rate(${requests}[$__rate_interval]))`, '{{model}} v{{version}}')],
      { unit: 'percentunit', th: RED_ABOVE(0.01, 0.05), thresholdsStyle: 'line+area', min: 0, description: 'Non-2xx answers over all answers. Bands: 1 % and 5 %.' },
    ),
    12,
    8,
  );
  L.add(
    timeseries('Predictions logged / s', [target('sum by (model) (rate(plumbline_predictions_logged_total{model=~"$model"}[$__rate_interval]))', '{{model}} logged'), target(`sum by (model) (rate(plumbline_inference_batch_rows_sum{${sel}}[$__rate_interval]))`, '{{model}} rows inferred')], {
      unit: 'short',
      description: 'Rows committed to the prediction log against rows answered. A gap that persists means rows go to the spool.',
    }),
    12,
    8,
  );

  L.row('Latency and batches');
  const duration = (q) => `histogram_quantile(${q}, sum by (le, model, version) (rate(plumbline_inference_request_duration_seconds_bucket{${sel}}[$__rate_interval])))`;
  L.add(timeseries('Latency p50 / p95 / p99', [target(duration(0.5), 'p50 {{model}} v{{version}}'), target(duration(0.95), 'p95 {{model}} v{{version}}'), target(duration(0.99), 'p99 {{model}} v{{version}}')], { unit: 's', th: RED_ABOVE(0.25, 1), description: 'Request duration including the prediction log commit. Lines at 250 ms and 1 s (PlumblineHighLatency).' }), 12, 8);
  L.add(timeseries('Mean latency', [target(`sum by (model, version) (rate(plumbline_inference_request_duration_seconds_sum{${sel}}[$__rate_interval])) / sum by (model, version) (rate(plumbline_inference_request_duration_seconds_count{${sel}}[$__rate_interval]))`, '{{model}} v{{version}}')], { unit: 's' }), 12, 8);
  const rows = (q) => `histogram_quantile(${q}, sum by (le, model, version) (rate(plumbline_inference_batch_rows_bucket{${sel}}[$__rate_interval])))`;
  L.add(timeseries('Rows per request p50 / p95', [target(rows(0.5), 'p50 {{model}} v{{version}}'), target(rows(0.95), 'p95 {{model}} v{{version}}')]), 12, 8);
  L.add(heatmap('Rows per request (distribution)', [target(`sum by (le) (increase(plumbline_inference_batch_rows_bucket{${sel}}[$__rate_interval]))`, '{{le}}')]), 12, 8);

  L.row('Prediction log');
  L.add(timeseries('Spooled rows per replica', [target('sum by (model, instance) (plumbline_prediction_log_spooled_rows{model=~"$model"})', '{{model}} @ {{instance}}')], { th: RED_ABOVE(1, 10000), description: 'Each replica spools to its own disk, so this is per instance. It should fall back to 0 once PostgreSQL is reachable (PlumblineSpoolNotDraining).' }), 24, 8);

  return dashboard(
    'plumbline-serving',
    'Plumbline / Serving',
    'Inference traffic, errors, latency, batch sizes and the prediction-log spool, per model and version, summed over replicas.',
    [queryVariable('model', 'model', 'label_values(plumbline_inference_requests_total, model)', { includeAll: true, allValue: '.+', multi: true }), queryVariable('version', 'version', 'label_values(plumbline_inference_requests_total{model=~"$model"}, version)', { includeAll: true, allValue: '.*', multi: true })],
    L,
    ['serving'],
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Model quality

function quality() {
  const perf = (extra) => `${DEDUP} (plumbline_performance{model="$model", ${VG}, ${extra}, window="$window"})`;
  const overall = (metric) => perf(`segment_key="", metric=${metric.includes('|') ? '~' : ''}"${metric}"`);
  const bySegment = (metric) => perf(`segment_key="$segment_key", segment=~"$segment", metric="${metric}"`);
  const lossSel = 'model="$model", version=~"$version", segment_key="$segment_key", segment=~"$segment"';
  const L = new Layout();

  L.add(stat('Predictions ($window)', [target(overall('count'))], { colorMode: 'value' }), 4, 4);
  L.add(stat('Labeled ($window)', [target(overall('labeled'))], { colorMode: 'value' }), 4, 4);
  L.add(stat('Label coverage ($window)', [target(`${overall('labeled')} / ignoring(metric) ${overall('count')}`)], { unit: 'percentunit', th: GREEN_ABOVE(0.5, 0.1) }), 4, 4);
  L.add(stat('Mean loss ($window)', [target(overall('meanLoss'))], { decimals: 4, colorMode: 'value' }), 4, 4);
  L.add(stat('Calibration gap ($window)', [target(overall('calibrationGap'))], { decimals: 3, th: RED_ABOVE(0.05, 0.1), description: '|mean predicted confidence − realized accuracy| over labeled predictions. Orange from 0.05, red from 0.1.' }), 4, 4);
  L.add(stat('Labels / s', [target('sum(rate(plumbline_labels_total{model="$model", result="matched"}[5m]))')], { unit: 'reqps', colorMode: 'value' }), 4, 4);

  L.row('Loss');
  L.add(timeseries('Mean loss, overall (trailing $window)', [target(overall('meanLoss'), 'overall')], { decimals: 4, description: 'The configured loss averaged over the labeled predictions of the trailing window: the loss curve. A rise means the model is leaning away from the truth.' }), 12, 9);
  L.add(timeseries('Mean loss per $segment_key (trailing $window)', [target(bySegment('meanLoss'), '{{segment}}')], { decimals: 4 }), 12, 9);
  L.add(
    timeseries('Mean loss of labels joined recently, per $segment_key', [target(`sum by (segment) (rate(plumbline_loss_sum{${lossSel}}[5m])) / sum by (segment) (rate(plumbline_loss_count{${lossSel}}[5m]))`, '{{segment}}')], {
      decimals: 4,
      description: 'From the plumbline_loss histogram: loss of the labels that arrived in the last 5 minutes (by arrival time, not prediction time).',
    }),
    12,
    8,
  );
  L.add(timeseries('Loss p50 / p90 (labels joined recently)', [target(`histogram_quantile(0.5, sum by (le) (rate(plumbline_loss_bucket{${lossSel}}[5m])))`, 'p50'), target(`histogram_quantile(0.9, sum by (le) (rate(plumbline_loss_bucket{${lossSel}}[5m])))`, 'p90')], { decimals: 4 }), 12, 8);

  L.row('Task metrics');
  L.add(stat('Task metrics, overall ($window)', [target(overall('accuracy|precision|recall|f1|logLoss|mae|mse|rmse'), '{{metric}}')], { decimals: 3, colorMode: 'value', description: 'Classification: accuracy, precision, recall, F1 (positive class), log loss. Regression: MAE, MSE, RMSE.' }), 24, 4);
  L.add(timeseries('$metric per $segment_key (trailing $window)', [target(perf('segment_key="$segment_key", segment=~"$segment", metric="$metric"'), '{{segment}}')], { decimals: 3 }), 12, 8);
  L.add(timeseries('$metric, overall and per version (trailing $window)', [target(`${DEDUP} (plumbline_performance{model="$model", segment_key="", metric="$metric", window="$window"})`, 'v{{version}}')], { decimals: 3, description: 'v (no number) is all versions together.' }), 12, 8);

  L.row('Estimated vs realized');
  L.add(timeseries('Accuracy: estimated vs realized', [target(overall('accuracy'), 'realized'), target(overall('estimated_accuracy'), 'estimated (from confidence, no labels needed)')], { unit: 'percentunit', decimals: 3, description: 'Estimated performance covers every prediction; realized only the labeled ones. A gap opens when the model is miscalibrated or the labeled sample is biased.' }), 12, 8);
  L.add(timeseries('Log loss: estimated vs realized', [target(overall('logLoss'), 'realized'), target(overall('estimated_logLoss'), 'estimated')], { decimals: 4 }), 12, 8);

  L.row('Labels');
  L.add(timeseries('Label coverage per $segment_key (trailing $window)', [target(`${bySegment('labeled')} / ignoring(metric) ${bySegment('count')}`, '{{segment}}')], { unit: 'percentunit', min: 0, max: 1, th: GREEN_ABOVE(0.5, 0.1), thresholdsStyle: 'line+area' }), 12, 8);
  L.add(timeseries('Labels by result', [target('sum by (result) (rate(plumbline_labels_total{model="$model"}[5m]))', '{{result}}')], { unit: 'reqps', stack: true, description: 'matched: joined to its prediction; pending: waiting for the prediction; duplicate: same label again; rejected: invalid or conflicting; expired: pending past the join window.' }), 12, 8);
  const delay = (q) => `histogram_quantile(${q}, sum by (le) (rate(plumbline_label_delay_seconds_bucket{model="$model"}[15m])))`;
  L.add(timeseries('Label delay p50 / p90 / p99', [target(delay(0.5), 'p50'), target(delay(0.9), 'p90'), target(delay(0.99), 'p99')], { unit: 's', description: 'Time from a prediction to its label being joined.' }), 12, 8);
  L.add(timeseries('Predictions and labeled per $segment_key (trailing $window)', [target(bySegment('count'), '{{segment}} predictions'), target(bySegment('labeled'), '{{segment}} labeled')]), 12, 8);

  return dashboard(
    'plumbline-quality',
    'Plumbline / Model quality',
    'Loss curve, task metrics, estimated vs realized performance and label coverage, per segment, from plumbline_performance (one copy across replicas) and the loss / label histograms.',
    [VARIABLES.modelGauges, VARIABLES.versionGauges, VARIABLES.segmentKey, VARIABLES.segment, VARIABLES.window, customVariable('metric', 'task metric', ['accuracy', 'precision', 'recall', 'f1', 'logLoss', 'mae', 'rmse'])],
    L,
    ['quality'],
  );
}

// ---------------------------------------------------------------------------------------------
// 3. Drift

function drift() {
  const d = (extra) => `${DEDUP} (plumbline_drift{model="$model", ${VG}, ${extra}, window=~"$window|"})`;
  const features = 'feature=~"$feature", feature!~"__prediction__|__label__"';
  const L = new Layout();
  L.add(stat('Features drifting (overall)', [target(`count(${d(`segment_key="", ${features}, statistic="drift"`)} == 1) or vector(0)`)], { th: RED_ABOVE(1, 1), description: 'Features whose drift flag is set over the whole traffic.' }), 6, 4);
  L.add(stat('Segment × feature pairs drifting', [target(`count(${d(`segment_key!="", ${features}, statistic="drift"`)} == 1) or vector(0)`)], { th: RED_ABOVE(1, 1) }), 6, 4);
  L.add(stat('Prediction drift', [target(d('segment_key="", feature="__prediction__", statistic="drift"'))], { mappings: DRIFT_MAPPINGS, th: thresholds(['green', null], ['red', 1]) }), 6, 4);
  L.add(stat('Label drift', [target(d('segment_key="", feature="__label__", statistic="drift"'))], { mappings: DRIFT_MAPPINGS, th: thresholds(['green', null], ['red', 1]) }), 6, 4);

  L.row('Per feature');
  L.add(
    table('Drift per feature (overall): statistic against threshold', [target(d(`segment_key="", feature=~"$feature", statistic="statistic"`)), target(d(`segment_key="", feature=~"$feature", statistic="threshold"`)), target(d(`segment_key="", feature=~"$feature", statistic="drift"`))], {
      hide: ['model', 'version', 'segment_key', 'segment', 'statistic', 'window'],
      columns: { 'Value #A': { displayName: 'statistic' }, 'Value #B': { displayName: 'threshold' }, 'Value #C': { displayName: 'drift', th: thresholds(['green', null], ['red', 1]), mappings: DRIFT_MAPPINGS } },
      description: 'statistic is the quantity the configured method decides on (wassersteinNorm, jsDistance, ksPValue, chi2PValue or psi, METRICS §3), threshold the number it is compared with; drift is the decision.',
    }),
    12,
    10,
  );
  L.add(stateTimeline('Drift flag per feature (overall)', [target(d(`segment_key="", feature=~"$feature", statistic="drift"`), '{{feature}}')], { mappings: DRIFT_MAPPINGS }), 12, 10);
  L.add(timeseries('PSI per feature (overall)', [target(d(`segment_key="", ${features}, statistic="psi"`), '{{feature}}')], { th: RED_ABOVE(0.1, 0.25), thresholdsStyle: 'line+area', decimals: 3, description: 'Population stability index over deciles. Bands: 0.1 (moderate) and 0.25 (major shift).' }), 12, 8);
  L.add(timeseries('Normalized Wasserstein / JS distance per feature (overall)', [target(d(`segment_key="", ${features}, statistic=~"wassersteinNorm|jsDistance"`), '{{feature}} {{statistic}}')], { th: RED_ABOVE(0.1, 0.1), thresholdsStyle: 'line', decimals: 3, description: 'The auto method with a large reference decides on these: drift at 0.1 (line).' }), 12, 8);

  L.row('Per segment');
  L.add(
    table('Drift per $segment_key and feature', [target(d(`segment_key="$segment_key", segment=~"$segment", feature=~"$feature", statistic="statistic"`)), target(d(`segment_key="$segment_key", segment=~"$segment", feature=~"$feature", statistic="threshold"`)), target(d(`segment_key="$segment_key", segment=~"$segment", feature=~"$feature", statistic="drift"`))], {
      hide: ['model', 'version', 'segment_key', 'statistic', 'window'],
      columns: { 'Value #A': { displayName: 'statistic' }, 'Value #B': { displayName: 'threshold' }, 'Value #C': { displayName: 'drift', th: thresholds(['green', null], ['red', 1]), mappings: DRIFT_MAPPINGS } },
    }),
    12,
    10,
  );
  L.add(stateTimeline('Drift flag per $segment_key and feature', [target(d(`segment_key="$segment_key", segment=~"$segment", feature=~"$feature", statistic="drift"`), '{{segment}} / {{feature}}')], { mappings: DRIFT_MAPPINGS }), 12, 10);
  L.add(timeseries('PSI per $segment_key and feature', [target(d(`segment_key="$segment_key", segment=~"$segment", ${features}, statistic="psi"`), '{{segment}} / {{feature}}')], { th: RED_ABOVE(0.1, 0.25), thresholdsStyle: 'line+area', decimals: 3 }), 24, 8);

  L.row('Predictions and labels');
  L.add(timeseries('Prediction drift (overall and per $segment_key)', [target(d('segment_key="", feature="__prediction__", statistic=~"psi|jsDistance"'), 'overall {{statistic}}'), target(d('segment_key="$segment_key", segment=~"$segment", feature="__prediction__", statistic="psi"'), '{{segment}} psi')], { th: RED_ABOVE(0.1, 0.25), thresholdsStyle: 'line+area', decimals: 3, description: 'Drift of the monitored output (positive-class score or predicted value) against the reference predictions.' }), 12, 8);
  L.add(timeseries('Label drift (overall and per $segment_key)', [target(d('segment_key="", feature="__label__", statistic=~"psi|jsDistance"'), 'overall {{statistic}}'), target(d('segment_key="$segment_key", segment=~"$segment", feature="__label__", statistic="psi"'), '{{segment}} psi')], { th: RED_ABOVE(0.1, 0.25), thresholdsStyle: 'line+area', decimals: 3 }), 12, 8);
  L.add(timeseries('KS p-value / χ² p-value (overall)', [target(d(`segment_key="", feature=~"$feature", statistic=~"ksPValue|chi2PValue"`), '{{feature}} {{statistic}}')], { th: thresholds(['red', null], ['green', 0.05]), thresholdsStyle: 'line+area', decimals: 4, description: 'With a small reference (≤ 1000 rows) the auto method flags drift when the p-value falls below 0.05 (red band).' }), 24, 8);

  return dashboard(
    'plumbline-drift',
    'Plumbline / Drift',
    'Feature, prediction and label drift against the reference, overall and per segment, from plumbline_drift (one copy across replicas).',
    [VARIABLES.modelGauges, VARIABLES.versionGauges, VARIABLES.segmentKey, VARIABLES.segment, VARIABLES.window, queryVariable('feature', 'feature', 'label_values(plumbline_drift{model="$model"}, feature)', { includeAll: true, allValue: '.+', multi: true })],
    L,
    ['drift'],
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Fairness

function fairness() {
  const f = (metric) => `${DEDUP} (plumbline_fairness{model="$model", ${VG}, attribute="$attribute", metric=~"${metric}", window=~"$window|"})`;
  const group = (metric) => `${DEDUP} (plumbline_performance{model="$model", ${VG}, segment_key="$attribute", metric="${metric}", window="$window"})`;
  const differences = 'demographicParityDifference|equalOpportunityDifference|equalizedOddsDifference|averageOddsDifference';
  const ratios = 'demographicParityRatio|disparateImpact|lossRatio';
  const L = new Layout();
  L.add(stat('Differences (now)', [target(f(differences), '{{metric}}')], { th: DIFFERENCE_BAND, decimals: 3, description: 'Green inside [−0.1, 0.1], red outside (TrustyAI defaults).' }), 12, 5);
  L.add(stat('Ratios (now)', [target(f(ratios), '{{metric}}')], { th: RATIO_BAND, decimals: 3, description: 'Green inside [0.8, 1.25] (the four-fifths rule), red outside.' }), 12, 5);

  L.row('Disparities over time');
  L.add(timeseries('Differences between groups of $attribute', [target(f(differences), '{{metric}}')], { th: DIFFERENCE_BAND, thresholdsStyle: 'line+area', decimals: 3, description: 'Demographic parity, equal opportunity, equalized odds (worst case) and average odds differences (METRICS §4). The green band is [−0.1, 0.1].' }), 12, 9);
  L.add(timeseries('Ratios between groups of $attribute', [target(f(ratios), '{{metric}}')], { th: RATIO_BAND, thresholdsStyle: 'line+area', decimals: 3, description: 'Demographic parity ratio, disparate impact (unprivileged / privileged selection rate) and loss ratio. The green band is [0.8, 1.25].' }), 12, 9);

  L.row('Per group of $attribute');
  L.add(timeseries('Selection rate per group', [target(group('selectionRate'), '{{segment}}')], { unit: 'percentunit', decimals: 3, description: 'Share predicted positive over all predictions of the group (labels not needed).' }), 8, 8);
  L.add(timeseries('True positive rate per group', [target(group('tpr'), '{{segment}}')], { unit: 'percentunit', decimals: 3 }), 8, 8);
  L.add(timeseries('False positive rate per group', [target(group('fpr'), '{{segment}}')], { unit: 'percentunit', decimals: 3 }), 8, 8);
  L.add(timeseries('Mean loss per group', [target(group('meanLoss'), '{{segment}}')], { decimals: 4 }), 12, 8);
  L.add(timeseries('Predictions and labeled per group', [target(group('count'), '{{segment}} predictions'), target(group('labeled'), '{{segment}} labeled')], { description: 'Groups with fewer labeled predictions than fairness.minSamples are left out of the disparities.' }), 12, 8);

  return dashboard(
    'plumbline-fairness',
    'Plumbline / Fairness',
    'Disparities per sensitive attribute with the default bands, and per-group selection rate, TPR, FPR and loss (one copy across replicas).',
    [VARIABLES.modelGauges, VARIABLES.versionGauges, queryVariable('attribute', 'sensitive attribute', 'label_values(plumbline_fairness{model="$model"}, attribute)', { current: { selected: true, text: 'gender', value: 'gender' } }), VARIABLES.window],
    L,
    ['fairness'],
  );
}

// ---------------------------------------------------------------------------------------------
// 5. Alerts

function alerts() {
  const a = (extra = '') => `${DEDUP} (plumbline_alerts{model=~"$model"${extra}})`;
  const L = new Layout();
  L.add(stat('Firing', [target(`count(${a(', alertstate="firing"')} > 0) or vector(0)`)], { th: RED_ABOVE(1, 1) }), 6, 4);
  L.add(stat('Pending', [target(`count(${a(', alertstate="pending"')} > 0) or vector(0)`)], { th: RED_ABOVE(1, 1e9) }), 6, 4);
  L.add(stat('Webhook deliveries given up (24h)', [target('sum(increase(plumbline_webhook_deliveries_total{outcome="gave_up"}[24h])) or vector(0)')], { th: RED_ABOVE(1, 1) }), 6, 4);
  L.add(stat('Prometheus rule alerts firing', [target('count(ALERTS{alertname=~"Plumbline.*", alertstate="firing"}) or vector(0)')], { th: RED_ABOVE(1, 1), description: 'Alerts from docker/prometheus/rules (for those who alert from Prometheus rather than from Plumbline).' }), 6, 4);

  L.row('Plumbline alerts');
  L.add(table('Active alerts', [target(`${a()} > 0`)], { hide: ['Value'], description: 'Pending and firing alerts of Plumbline\'s own evaluator (GET /api/alerts has their values).' }), 24, 8);
  L.add(timeseries('Active alerts by state', [target(`sum by (alertstate) (${a()})`, '{{alertstate}}')], { stack: true }), 12, 8);
  L.add(stateTimeline('Alert states over time', [target(`${a()} > 0`, '{{alertname}} {{model}} ({{alertstate}})')], { th: thresholds(['green', null], ['red', 1]) }), 12, 8);

  L.row('Webhooks');
  L.add(timeseries('Webhook deliveries by outcome', [target('sum by (webhook, outcome) (rate(plumbline_webhook_deliveries_total[5m]))', '{{webhook}} {{outcome}}')], { unit: 'reqps', stack: true, description: 'delivered, retry (will be tried again with back-off), gave_up (past the give-up age).' }), 12, 8);
  L.add(timeseries('Prometheus rule alerts', [target('sum by (alertname, alertstate) (ALERTS{alertname=~"Plumbline.*"})', '{{alertname}} ({{alertstate}})')], { stack: true }), 12, 8);

  return dashboard(
    'plumbline-alerts',
    'Plumbline / Alerts',
    'Pending and firing alerts (Plumbline\'s evaluator and the Prometheus rules) and webhook delivery outcomes.',
    [queryVariable('model', 'model', 'label_values(plumbline_performance, model)', { includeAll: true, allValue: '.*', multi: true })],
    L,
    ['alerts'],
  );
}

export function dashboards() {
  return { 'serving.json': serving(), 'model-quality.json': quality(), 'drift.json': drift(), 'fairness.json': fairness(), 'alerts.json': alerts() };
}

export function render(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const directory = join(import.meta.dirname, 'dashboards');
  mkdirSync(directory, { recursive: true });
  for (const [name, value] of Object.entries(dashboards())) {
    writeFileSync(join(directory, name), render(value));
    console.log(`wrote grafana/dashboards/${name}`);
  }
}
