import { HttpError, HttpErrorCode } from '../../common/http.errors.js';
import { parseWindow, type TimeWindow } from '../../common/time-window.js';
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
  let version: number | undefined;
  if (query.version !== undefined) {
    if (typeof query.version !== 'string' || !/^\d{1,9}$/.test(query.version)) throw new HttpError(HttpErrorCode.BadRequest, '"version" must be a version number');
    version = Number(query.version);
  }
  let segmentKey: string | undefined;
  if (query.segment !== undefined) {
    if (typeof query.segment !== 'string' || !served.spec.segmentKeys.includes(query.segment)) {
      throw new HttpError(HttpErrorCode.BadRequest, `"segment" must be one of the model's segment keys (${served.spec.segmentKeys.join(', ') || 'none'})`);
    }
    segmentKey = query.segment;
  }
  return { window, version, segmentKey };
}
