import { createHash, timingSafeEqual } from 'node:crypto';

/** DESIGN §8: each role includes the ones after it. */
export const ROLES = ['admin', 'write', 'read'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { admin: 3, write: 2, read: 1 };

export interface ApiKey {
  name: string;
  role: Role;
  key: string;
}

/** Shortest key accepted: a guessable key is no key. */
export const MIN_KEY_LENGTH = 16;

/**
 * Parses `PLUMBLINE_API_KEYS` = `<name>:<role>:<key>,...`. Errors name the entry by position and name,
 * never the key itself.
 */
export function parseApiKeys(text: string): ApiKey[] {
  const entries = text.split(',').map((part) => part.trim()).filter(Boolean);
  const keys = entries.map((entry, i) => {
    const first = entry.indexOf(':');
    const second = entry.indexOf(':', first + 1);
    if (first <= 0 || second < 0) throw new Error(`entry ${i + 1} must be <name>:<role>:<key>`);
    const name = entry.slice(0, first);
    const role = entry.slice(first + 1, second);
    const key = entry.slice(second + 1);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`entry ${i + 1}: the name must be 1 to 64 letters, digits, '_', '.' or '-'`);
    if (!(ROLES as readonly string[]).includes(role)) throw new Error(`key '${name}': role must be one of ${ROLES.join(', ')}`);
    if (key.length < MIN_KEY_LENGTH) throw new Error(`key '${name}': the key must have at least ${MIN_KEY_LENGTH} characters`);
    return { name, role: role as Role, key };
  });
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const { name, key } of keys) {
    if (names.has(name)) throw new Error(`key name '${name}' is used twice`);
    if (secrets.has(key)) throw new Error(`key '${name}' repeats another entry's key`);
    names.add(name);
    secrets.add(key);
  }
  return keys;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Looks keys up in constant time: the presented key is hashed and compared with every configured one. */
export class ApiKeyRing {
  private readonly entries: Array<{ name: string; role: Role; hash: Buffer }>;

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map(({ name, role, key }) => ({ name, role, hash: digest(key) }));
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The entry whose key is `presented`, comparing against all of them whatever matches. */
  authenticate(presented: string): { name: string; role: Role } | undefined {
    const hash = digest(presented);
    let found: { name: string; role: Role } | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(hash, entry.hash) && !found) found = { name: entry.name, role: entry.role };
    }
    return found;
  }
}

export function allows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

const WRITE_ROUTES = [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?\/infer$/, /^\/api\/models\/[^/]+\/(?:predict|predictions|labels)$/];
const OPEN_ROUTES = new Set(['/v2/health/live', '/v2/health/ready']);

/**
 * The role a request needs (DESIGN §8), or null for the open health probes: reads (GET, HEAD) need
 * `read` — except webhooks, whose secrets are admin's —, inference, predictions and labels need
 * `write`, and every other change (models, configs, references, repository load/unload, alert rules,
 * webhooks) needs `admin`. `/metrics` is open when `metricsPublic`.
 */
export function requiredRole(method: string, url: string, metricsPublic: boolean): Role | null {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (OPEN_ROUTES.has(path)) return null;
  if (path === '/metrics' && metricsPublic) return null;
  if (path === '/api/webhooks' || path.startsWith('/api/webhooks/')) return 'admin';
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'POST' && path === '/v2/repository/index') return 'read';
  if (method === 'POST' && WRITE_ROUTES.some((route) => route.test(path))) return 'write';
  return 'admin';
}

/** The key of a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1].trim();
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}
