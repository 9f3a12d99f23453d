import { prng } from '../../scripts/prng.mjs';

export { prng };
/**
 * Deterministic traffic for the `credit` fixture model (features age, income, debt_ratio, tenure_months,
 * num_accounts; segments region, channel; sensitive gender): the same seed gives the same rows, segments
 * and labels, so two model names (or two deployments) can be fed identical streams.
 */

export interface CreditRow {
  features: { age: number; income: number; debt_ratio: number; tenure_months: number; num_accounts: number };
  segments: { region: string; channel: string; gender: string };
  label: 'repaid' | 'default';
}


const REGIONS = ['eu', 'us', 'apac'];
const CHANNELS = ['web', 'branch'];
const GENDERS = ['f', 'm'];

/** `count` rows from `seed`; `shift` moves the numeric features (a drifted stream). */
export function creditRows(seed: number, count: number, shift = 0): CreditRow[] {
  const random = prng(seed);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];
  return Array.from({ length: count }, () => {
    const age = Math.round(22 + random() * 45 + shift * 8);
    const income = Math.round(18_000 + random() * 90_000 - shift * 10_000);
    const debtRatio = Math.round((0.05 + random() * 0.8) * 1000) / 1000;
    const tenure = Math.floor(random() * 120);
    const accounts = 1 + Math.floor(random() * 8);
    const segments = { region: pick(REGIONS), channel: pick(CHANNELS), gender: pick(GENDERS) };
    // A label loosely tied to the debt ratio, with noise: the model is right often, not always.
    const label = debtRatio + (random() - 0.5) * 0.6 > 0.55 ? 'default' : 'repaid';
    return { features: { age, income, debt_ratio: debtRatio, tenure_months: tenure, num_accounts: accounts }, segments, label };
  });
}

/** An OIP v2 infer body for one row, with its own prediction id and segment tensors (DESIGN §5.1). */
export function oipBody(row: CreditRow, id: string): string {
  const f = row.features;
  return JSON.stringify({
    inputs: [
      { name: 'input', shape: [1, 5], datatype: 'FP32', data: [f.age, f.income, f.debt_ratio, f.tenure_months, f.num_accounts] },
      { name: 'prediction_id', shape: [1], datatype: 'BYTES', data: [id] },
      { name: 'region', shape: [1], datatype: 'BYTES', data: [row.segments.region] },
      { name: 'channel', shape: [1], datatype: 'BYTES', data: [row.segments.channel] },
      { name: 'gender', shape: [1], datatype: 'BYTES', data: [row.segments.gender] },
    ],
  });
}

export interface Reply {
  status: number;
  body: any;
}

/** A POST that reports a transport failure (connection refused or reset) as status 0 instead of throwing. */
export async function post(url: string, body: string): Promise<Reply> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return { status: 0, body: String((error as Error).cause ?? error) };
  }
}

/** Prints a figure table the closing notes can quote (one line per figure, aligned). */
export function report(title: string, figures: Record<string, number | string>): void {
  const width = Math.max(...Object.keys(figures).map((key) => key.length));
  const lines = Object.entries(figures).map(([key, value]) => `  ${key.padEnd(width)}  ${value}`);
  console.log(`[${title}]\n${lines.join("\n")}`);
}
