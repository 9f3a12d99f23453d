// Types for scripts/simulate.mjs (imported by the dashboards e2e test).
export interface Pair {
  key: string;
  value: string;
}
export interface SimulationOptions {
  url: string;
  model: string;
  apiKey?: string;
  rate: number;
  batch: number;
  duration: number;
  concurrency: number;
  labelFraction: number;
  labelDelay: number;
  driftAfter: number;
  driftSegment: Pair;
  bias: Pair;
  oipFraction: number;
  errorFraction: number;
  reference: number;
  alertRules: boolean;
  seed: number;
  quiet: boolean;
  log?: (line: string) => void;
}
export interface SimulationStats {
  requests: number;
  rows: number;
  errors: number;
  failures: number;
  labels: number;
  labelErrors: number;
  codes: Record<string, number>;
  phase: string;
}
export const FEATURES: string[];
export function parseOptions(argv?: string[], env?: Record<string, string | undefined>): SimulationOptions & { help: boolean };
export function demoAlertRules(options: Pick<SimulationOptions, 'model' | 'driftSegment' | 'bias'>): Array<Record<string, unknown>>;
export function simulate(options?: Partial<SimulationOptions>): Promise<SimulationStats>;
