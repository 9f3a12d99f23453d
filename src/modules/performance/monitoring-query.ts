import { HttpError, HttpErrorCode } from '../../common/http.errors.js';
import { parseWindow, type TimeWindow } from '../../common/time-window.js';
import { InferenceError, InferenceErrorCode } from '../../inference/inference.errors.js';
import type { ServedModel } from '../../inference/served-model.js';

/** The query string every monitoring query takes (DESIGN §5.5). */
export interface MonitoringQuery {
  from?: unknown;
  to?: unknown;
  version?: unknown;
  segment?: unknown;
}

export interface ParsedMonitoringQuery {
  window: TimeWindow;
  version?: number;
  segmentKey?: string;
}

/** `from`/`to` (default: the last hour), `version` (default: all) and `segment` (one of the model's segment keys). */
export function parseMonitoringQuery(served: ServedModel, query: MonitoringQuery): ParsedMonitoringQuery {
  const window = parseWindow(query.from, query.to);
  const version = parseVersion(served, query.version);
  let segmentKey: string | undefined;
  if (query.segment !== undefined) {
    if (typeof query.segment !== 'string' || !served.spec.segmentKeys.includes(query.segment)) {
      throw new HttpError(HttpErrorCode.BadRequest, `"segment" must be one of the model's segment keys (${served.spec.segmentKeys.join(', ') || 'none'})`);
    }
    segmentKey = query.segment;
  }
  return { window, version, segmentKey };
}

/**
 * `version` of a monitoring query: absent (all versions), or one of the model's versions — a 404 for
 * any other (DESIGN §5). A monitoring-only model logs its predictions as version 0.
 */
export function parseVersion(served: ServedModel, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw new HttpError(HttpErrorCode.BadRequest, '"version" must be a version number');
  const version = Number(raw);
  if (served.versions.size === 0 ? version !== 0 : !served.versions.has(version)) {
    throw new InferenceError(InferenceErrorCode.VersionNotFound, `model '${served.name}' has no version '${version}'`);
  }
  return version;
}
