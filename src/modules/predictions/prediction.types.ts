/** One logged prediction: a row of the prediction log. */
export interface PredictionRow {
  model: string;
  id: string;
  version: number;
  ts: Date;
  features: Record<string, unknown>;
  output: unknown;
  segments: Record<string, string>;
}

/** The rows of one request: logged all together or not at all. */
export type PredictionUnit = PredictionRow[];

export interface StoredPrediction extends PredictionRow {
  label: unknown;
  loss: number | null;
  labeledAt: Date | null;
  /** No label yet, but one is waiting in `pending_labels` (not joined yet). */
  labelPending: boolean;
}
