import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  datasource: unknown;
}

export interface Dashboard {
  file: string;
  json: any;
}

export function readDashboards(directory: string): Dashboard[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(directory, file), 'utf8')) }));
}

/** Every panel (rows' nested panels included). */
export function panelsOf(dashboard: any): any[] {
  return (dashboard.panels ?? []).flatMap((panel: any) => [panel, ...(panel.panels ?? [])]);
}

/** Every panel target's PromQL, and every query variable's query turned into PromQL. */
export function queriesOf({ file, json }: Dashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  for (const panel of panelsOf(json)) {
    for (const target of panel.targets ?? []) queries.push({ dashboard: file, panel: panel.title, refId: target.refId, expr: target.expr, datasource: target.datasource ?? panel.datasource });
  }
  for (const variable of json.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    queries.push({ dashboard: file, panel: `variable $${variable.name}`, refId: variable.name, expr: variableToPromQL(variable.query?.query ?? variable.query), datasource: variable.datasource });
  }
  return queries;
}

/** `label_values(selector, label)` → `count by (label) (selector)`; `query_result(q)` → q. */
export function variableToPromQL(query: string): string {
  const labelValues = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(query.trim());
  if (labelValues) return `count by (${labelValues[2]}) (${labelValues[1]})`;
  const result = /^query_result\((.*)\)$/s.exec(query.trim());
  if (result) return result[1];
  throw new Error(`unsupported variable query: ${query}`);
}

/**
 * Replaces Grafana's variables: each dashboard variable by `values[name]` (or, when the variable
 * includes All and no value is given, its allValue), and the built-ins by fixed durations.
 */
export function substitute(expr: string, dashboard: any, values: Record<string, string>): string {
  const variables: Record<string, string> = { __rate_interval: '15s', __interval: '5s', __range: '1m', __range_s: '60' };
  for (const variable of dashboard.templating?.list ?? []) {
    const value = values[variable.name] ?? (variable.includeAll ? variable.allValue : variable.current?.value);
    if (value === undefined) throw new Error(`no value for $${variable.name} in ${dashboard.uid}`);
    variables[variable.name] = value;
  }
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (match, braced, bracketed, bare) => {
    const name = braced ?? bracketed ?? bare;
    if (!(name in variables)) throw new Error(`unknown variable ${match} in ${expr}`);
    return variables[name];
  });
}

export interface Selector {
  name: string;
  matchers: Array<{ label: string; op: '=' | '!=' | '=~' | '!~'; value: string }>;
}

/** The metric selectors `name{...}` or bare `name` of a PromQL expression (names that start with `prefix`). */
export function selectorsOf(expr: string, prefix = 'plumbline_'): Selector[] {
  const selectors: Selector[] = [];
  const pattern = new RegExp(`\\b(${prefix}[a-zA-Z0-9_:]*)\\s*(\\{([^}]*)\\})?`, 'g');
  for (const match of expr.matchAll(pattern)) {
    const matchers: Selector['matchers'] = [];
    for (const m of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      matchers.push({ label: m[1], op: m[2] as Selector['matchers'][number]['op'], value: m[3].replace(/\\(.)/g, '$1') });
    }
    selectors.push({ name: match[1], matchers });
  }
  return selectors;
}

/** Whether a scraped sample (labels without `instance`/`job`) matches a selector's label matchers. */
export function matches(selector: Selector, labels: Record<string, string>): boolean {
  return selector.matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    const regex = () => new RegExp(`^(?:${value})$`);
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return regex().test(actual);
      case '!~':
        return !regex().test(actual);
    }
  });
}
