/** Cumulative request counts and latency histogram buckets of one model, as prom-client holds them. */
export interface ServingCounts {
  requests: number;
  /** Requests answered with a 5xx status (the server's failures; a 4xx is the client's). */
  errors: number;
  /** Cumulative count per bucket upper bound (`le`), +Infinity included. */
  buckets: Map<number, number>;
}

export interface ServingSnapshot {
  at: number;
  models: Map<string, ServingCounts>;
}

export interface ServingFigures {
  errorRate: number | null;
  p99LatencySeconds: number | null;
}

/**
 * Snapshots of this process's own request counters, so that a rule can read the error rate and p99
 * latency over its window. They are per process: with several replicas, the evaluating one sees its
 * own traffic only (Prometheus over `plumbline_inference_*` sees all of it).
 */
export class ServingWindow {
  private snapshots: ServingSnapshot[] = [];
  private current: ServingSnapshot | undefined;

  constructor(
    private readonly keepMs: number,
    private readonly spacingMs: number,
  ) {}

  record(snapshot: ServingSnapshot): void {
    this.current = snapshot;
    const last = this.snapshots.at(-1);
    if (!last || snapshot.at - last.at >= this.spacingMs) this.snapshots.push(snapshot);
    const horizon = snapshot.at - this.keepMs;
    // Keep one snapshot at or before the horizon: it is the baseline of the longest window.
    while (this.snapshots.length > 1 && this.snapshots[1].at <= horizon) this.snapshots.shift();
  }

  /** The most recent snapshot (taken at the start of the current evaluation). */
  latest(): ServingSnapshot | undefined {
    return this.current;
  }

  /** The figures from the last snapshot at or before `now − window` (or the oldest kept) to `current`. */
  figures(model: string, windowMs: number, current: ServingSnapshot): ServingFigures {
    const start = current.at - windowMs;
    let baseline = this.snapshots[0];
    for (const snapshot of this.snapshots) if (snapshot.at <= start) baseline = snapshot;
    return servingFigures(baseline?.models.get(model), current.models.get(model));
  }
}

/** Error rate and p99 between two readings of one model's counters; null without requests in between. */
export function servingFigures(before: ServingCounts | undefined, after: ServingCounts | undefined): ServingFigures {
  if (!after) return { errorRate: null, p99LatencySeconds: null };
  const requests = after.requests - (before?.requests ?? 0);
  const errors = after.errors - (before?.errors ?? 0);
  const deltas = [...after.buckets].map(([le, count]) => [le, count - (before?.buckets.get(le) ?? 0)] as [number, number]);
  return { errorRate: requests > 0 ? errors / requests : null, p99LatencySeconds: histogramQuantile(0.99, deltas) };
}

/**
 * Prometheus' `histogram_quantile`: rank q·count, the first bucket whose cumulative count reaches it,
 * linear interpolation inside it from the previous bound (0 for the first); the +Inf bucket answers
 * the highest finite bound. null for an empty histogram.
 */
export function histogramQuantile(q: number, cumulative: [number, number][]): number | null {
  const buckets = [...cumulative].sort(([a], [b]) => a - b);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return previousBound;
      if (count === previousCount) return bound;
      return previousBound + ((bound - previousBound) * (rank - previousCount)) / (count - previousCount);
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}
