/** One alert as Alertmanager's webhook (v4) and Prometheus' push to `/api/v2/alerts` describe it. */
export interface AlertInstance {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** "0001-01-01T00:00:00Z" (Go's zero time) while firing, as Alertmanager sends it. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookBodyV4 {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertInstance[];
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The Alertmanager webhook body (version 4) for one group: the alerts of one rule that changed in one
 * evaluation (or are repeated). Grouped by `alertname` and `ruleId`; status is "firing" when any alert
 * fires; commonLabels/commonAnnotations are the pairs every alert shares, as in Alertmanager.
 */
export function webhookBody(receiver: string, ruleId: string, alertname: string, alerts: AlertInstance[], externalURL: string): WebhookBodyV4 {
  const groupLabels = { alertname };
  return {
    version: '4',
    groupKey: `{}/{rule_id="${ruleId}"}:{alertname=${JSON.stringify(alertname)}}`,
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels,
    commonLabels: common(alerts.map((alert) => alert.labels)),
    commonAnnotations: common(alerts.map((alert) => alert.annotations)),
    externalURL,
    alerts,
  };
}

/** The body of Alertmanager's `POST /api/v2/alerts` (postableAlerts): a resolved alert carries its endsAt. */
export function postableAlerts(alerts: AlertInstance[], firingEndsAt: string): Record<string, unknown>[] {
  return alerts.map((alert) => ({
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt,
    endsAt: alert.status === 'resolved' ? alert.endsAt : firingEndsAt,
    ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
  }));
}

function common(sets: Record<string, string>[]): Record<string, string> {
  if (sets.length === 0) return {};
  const [first, ...rest] = sets;
  return Object.fromEntries(Object.entries(first).filter(([key, value]) => rest.every((set) => set[key] === value)));
}
