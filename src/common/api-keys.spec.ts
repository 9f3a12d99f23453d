import { describe, expect, it } from 'vitest';
import { allows, ApiKeyRing, parseApiKeys, presentedKey, requiredRole } from './api-keys.js';

const KEYS = 'ops:admin:aaaaaaaaaaaaaaaa1,app:write:bbbbbbbbbbbbbbbb2, grafana:read:cccccccccccccccc3';

describe('parseApiKeys', () => {
  it('reads <name>:<role>:<key> entries (a key may contain colons)', () => {
    expect(parseApiKeys(KEYS)).toEqual([
      { name: 'ops', role: 'admin', key: 'aaaaaaaaaaaaaaaa1' },
      { name: 'app', role: 'write', key: 'bbbbbbbbbbbbbbbb2' },
      { name: 'grafana', role: 'read', key: 'cccccccccccccccc3' },
    ]);
    expect(parseApiKeys('x:read:abc:def:ghi:jklmnop')[0].key).toBe('abc:def:ghi:jklmnop');
    expect(parseApiKeys('')).toEqual([]);
  });

  it('refuses bad entries without ever echoing the key', () => {
    const cases: Array<[string, RegExp]> = [
      ['ops:root:aaaaaaaaaaaaaaaa1', /role must be one of admin, write, read/],
      ['ops:admin:short-secret', /at least 16 characters/],
      ['justtext', /must be <name>:<role>:<key>/],
      ['a b:read:aaaaaaaaaaaaaaaa1', /name must be/],
      ['ops:admin:aaaaaaaaaaaaaaaa1,ops:read:bbbbbbbbbbbbbbbb2', /used twice/],
      ['ops:admin:aaaaaaaaaaaaaaaa1,other:read:aaaaaaaaaaaaaaaa1', /repeats another entry's key/],
    ];
    for (const [text, message] of cases) {
      let error: Error | undefined;
      try {
        parseApiKeys(text);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message, text).toMatch(message);
      expect(error?.message).not.toMatch(/aaaaaaaaaaaaaaaa1|short-secret|bbbbbbbbbbbbbbbb2/);
    }
  });
});

describe('ApiKeyRing', () => {
  const ring = new ApiKeyRing(parseApiKeys(KEYS));

  it('finds the key and its role, and nothing for a wrong or near key', () => {
    expect(ring.authenticate('bbbbbbbbbbbbbbbb2')).toEqual({ name: 'app', role: 'write' });
    expect(ring.authenticate('bbbbbbbbbbbbbbbb')).toBeUndefined();
    expect(ring.authenticate('')).toBeUndefined();
    expect(ring.enabled).toBe(true);
    expect(new ApiKeyRing([]).enabled).toBe(false);
  });

  it('ranks roles: admin ⊇ write ⊇ read', () => {
    expect(allows('admin', 'write')).toBe(true);
    expect(allows('write', 'read')).toBe(true);
    expect(allows('read', 'write')).toBe(false);
    expect(allows('write', 'admin')).toBe(false);
  });
});

describe('requiredRole', () => {
  it.each([
    ['GET', '/v2/health/ready', null],
    ['GET', '/v2/health/live', null],
    ['GET', '/metrics', 'read'],
    ['GET', '/v2/models/credit', 'read'],
    ['GET', '/api/models/credit/drift?segment=region', 'read'],
    ['POST', '/v2/models/credit/infer', 'write'],
    ['POST', '/v2/models/credit/versions/2/infer', 'write'],
    ['POST', '/api/models/credit/predict', 'write'],
    ['POST', '/api/models/credit/predictions', 'write'],
    ['POST', '/api/models/credit/labels?overwrite=true', 'write'],
    ['PUT', '/api/models/credit/config', 'admin'],
    ['PUT', '/api/models/credit/versions/3', 'admin'],
    ['PUT', '/api/models/credit/reference', 'admin'],
    ['POST', '/v2/repository/models/credit/load', 'admin'],
    ['POST', '/v2/repository/index', 'read'],
    ['POST', '/api/alert-rules', 'admin'],
    ['DELETE', '/api/alert-rules/1', 'admin'],
    ['GET', '/api/alert-rules', 'read'],
    ['GET', '/api/webhooks', 'admin'],
    ['POST', '/api/models/credit/labels/../config', 'admin'],
    ['PATCH', '/anything', 'admin'],
  ])('%s %s → %s', (method, url, role) => {
    expect(requiredRole(method, url, false)).toBe(role);
  });

  it('leaves /metrics open when PLUMBLINE_METRICS_PUBLIC', () => {
    expect(requiredRole('GET', '/metrics', true)).toBeNull();
  });
});

describe('presentedKey', () => {
  it('takes a Bearer token or X-API-Key', () => {
    expect(presentedKey({ authorization: 'Bearer  abc ' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer abc' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});
