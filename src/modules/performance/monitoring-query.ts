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
  const version = parseVersion(query.version);
  let segmentKey: string | undefined;
  if (query.segment !== undefined) {
    if (typeof query.segment !== 'string' || !served.spec.segmentKeys.includes(query.segment)) {
      throw new HttpError(HttpErrorCode.BadRequest, `"segment" must be one of the model's segment keys (${served.spec.segmentKeys.join(', ') || 'none'})`);
    }
    segmentKey = query.segment;
  }
  return { window, version, segmentKey };
}

/** `version` of a monitoring query: absent (all versions) or a version number. */
export function parseVersion(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw new HttpError(HttpErrorCode.BadRequest, '"version" must be a version number');
  return Number(raw);
}

/**
 * A 404 for a version the model does not have (DESIGN §5): neither served now nor found in its aggregates
 * (a version whose files were removed keeps its history, and so does version 0, which a monitoring-only
 * model logs its records as). `hasData` is asked only for a version that is not served.
 */
export async function requireVersion(served: ServedModel, version: number | undefined, hasData: (model: string, version: number) => Promise<boolean>): Promise<void> {
  if (version === undefined || served.versions.has(version) || (await hasData(served.name, version))) return;
  throw new InferenceError(InferenceErrorCode.VersionNotFound, `model '${served.name}' has no version '${version}'`);
}
