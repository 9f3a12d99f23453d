import { HttpError, HttpErrorCode } from './http.errors.js';

export interface TimeWindow {
  from: Date;
  to: Date;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `from` / `to` query parameters (RFC 3339); default: the last hour. */
export function parseWindow(from: unknown, to: unknown, now = new Date(), defaultMs = 3_600_000): TimeWindow {
  const end = to === undefined ? now : parseTimestamp(to, 'to');
  const start = from === undefined ? new Date(end.getTime() - defaultMs) : parseTimestamp(from, 'from');
  if (start.getTime() >= end.getTime()) throw new HttpError(HttpErrorCode.BadRequest, `"from" (${start.toISOString()}) must be before "to" (${end.toISOString()})`);
  return { from: start, to: end };
}

export function parseTimestamp(value: unknown, what: string): Date {
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw new HttpError(HttpErrorCode.BadRequest, `"${what}" must be an RFC 3339 timestamp such as 2026-11-27T10:00:00Z`);
  }
  const date = new Date(value);
  // Date rolls 2026-02-30 over into March; a calendar date must survive the round trip.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(date.getTime()) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new HttpError(HttpErrorCode.BadRequest, `"${what}" is not a valid date`);
  }
  return date;
}
