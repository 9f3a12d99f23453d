import { describe, expect, it } from 'vitest';
import { postableAlerts, webhookBody, ZERO_TIME, type AlertInstance } from './alertmanager-body.js';

const alert = (status: 'firing' | 'resolved', region: string, extra: Record<string, string> = {}): AlertInstance => ({
  status,
  labels: { alertname: 'loss', model: 'credit', severity: 'warning', region, ...extra },
  annotations: { summary: 'loss high' },
  startsAt: '2026-11-27T10:00:00.000Z',
  endsAt: status === 'firing' ? ZERO_TIME : '2026-11-27T11:00:00.000Z',
  generatorURL: 'http://plumbline/api/alerts',
  fingerprint: '0123456789abcdef',
});

describe('Alertmanager webhook v4 body', () => {
  it('has every field of version 4, grouped per rule, with the labels all alerts share', () => {
    const body = webhookBody('ops', 'rule-1', 'loss', [alert('firing', 'eu', { team: 'a' }), alert('resolved', 'us')], 'http://plumbline');
    expect(Object.keys(body).sort()).toEqual(
      ['alerts', 'commonAnnotations', 'commonLabels', 'externalURL', 'groupKey', 'groupLabels', 'receiver', 'status', 'truncatedAlerts', 'version'].sort(),
    );
    expect(body.version).toBe('4');
    expect(body.status).toBe('firing');
    expect(body.receiver).toBe('ops');
    expect(body.truncatedAlerts).toBe(0);
    expect(body.groupLabels).toEqual({ alertname: 'loss' });
    expect(body.commonLabels).toEqual({ alertname: 'loss', model: 'credit', severity: 'warning' });
    expect(body.commonAnnotations).toEqual({ summary: 'loss high' });
    expect(body.groupKey).toBe('{}/{rule_id="rule-1"}:{alertname="loss"}');
    expect(body.alerts).toHaveLength(2);
  });

  it('is "resolved" when every alert is resolved', () => {
    expect(webhookBody('ops', 'r', 'loss', [alert('resolved', 'eu')], '').status).toBe('resolved');
  });

  it('pushes to /api/v2/alerts with endsAt in the future while firing and the resolve time once resolved', () => {
    const pushed = postableAlerts([alert('firing', 'eu'), alert('resolved', 'us')], '2026-11-27T10:05:00.000Z');
    expect(pushed.map((p) => p.endsAt)).toEqual(['2026-11-27T10:05:00.000Z', '2026-11-27T11:00:00.000Z']);
    expect(Object.keys(pushed[0]).sort()).toEqual(['annotations', 'endsAt', 'generatorURL', 'labels', 'startsAt']);
  });
});
