import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.js';

describe('alert fingerprint', () => {
  it("is Prometheus' label-set FNV-1a 64 (Python literal), independent of key order", () => {
    // python3: FNV-1a 64 over sorted names, name 0xff value 0xff each.
    expect(fingerprint({ alertname: 'loss-eu', model: 'credit', severity: 'warning', region: 'eu' })).toBe('3ad98c98c2b647af');
    expect(fingerprint({ region: 'eu', severity: 'warning', model: 'credit', alertname: 'loss-eu' })).toBe('3ad98c98c2b647af');
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });

  it('differs when a label value differs', () => {
    expect(fingerprint({ alertname: 'a', region: 'eu' })).not.toBe(fingerprint({ alertname: 'a', region: 'us' }));
  });
});
