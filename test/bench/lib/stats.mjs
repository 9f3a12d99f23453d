/** Small statistics and formatting helpers for the bench. */

export function median(values) {
  return percentile(values, 50);
}

/** Linear-interpolated percentile (p in 0..100) of a list of numbers; NaN for an empty list. */
export function percentile(values, p) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** 12345.6 → "12,346"; small numbers keep `digits` significant decimals. */
export function num(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(value) {
  if (!Number.isFinite(value)) return '—';
  return value < 10 ? `${value.toFixed(2)} ms` : value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

export function mib(bytes) {
  return Number.isFinite(bytes) ? `${Math.round(bytes / 1048576)} MiB` : '—';
}

export function x(value) {
  return Number.isFinite(value) ? `${value.toFixed(value < 0.1 ? 3 : 2)}×` : '—';
}

export function seconds(msValue) {
  return `${(msValue / 1000).toFixed(1)} s`;
}
