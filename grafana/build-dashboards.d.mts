// Types for grafana/build-dashboards.mjs (imported by the dashboards e2e test).
export const DATASOURCE: { type: 'prometheus'; uid: string };
export function dashboards(): Record<string, any>;
export function render(value: unknown): string;
