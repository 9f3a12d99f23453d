import { resolve } from 'node:path';
import { z } from 'zod';
import { parseApiKeys } from '../common/api-keys.js';
import { parseDuration } from '../common/durations.js';

/** A string read with `parse`, whose error message becomes the variable's validation issue. */
const parsed = <T>(fallback: string, parse: (value: string) => T) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        return parse(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const duration = (fallback: string) => parsed(fallback, parseDuration);

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const integer = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every environment variable Plumbline reads. The README's configuration table mirrors this. */
export const envSchema = z.object({
  PORT: integer(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().optional(),
  PLUMBLINE_DATA_DIR: z.string().min(1).default('./.plumbline'),
  PLUMBLINE_EMBEDDED_PG_PORT: integer(0, 0, 65535),
  PLUMBLINE_MODEL_REPOSITORY: z.string().min(1).default('./models'),
  PLUMBLINE_LOG_MODE: z.enum(['group', 'async']).default('group'),
  PLUMBLINE_LOG_BATCH_ROWS: integer(5000, 1, 100_000),
  PLUMBLINE_LOG_WRITERS: integer(2, 1, 16),
  PLUMBLINE_RETENTION: duration('30d'),
  PLUMBLINE_BUCKET: duration('1m'),
  PLUMBLINE_LABEL_JOIN_WINDOW: duration('7d'),
  PLUMBLINE_GAUGE_INTERVAL: duration('15s'),
  PLUMBLINE_DRIFT_FLUSH_INTERVAL: duration('1s'),
  PLUMBLINE_DRIFT_BUCKET: duration('15m'),
  PLUMBLINE_PERFORMANCE_WINDOWS: parsed('1h,24h', (value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((name) => ({ name, ms: parseDuration(name) })),
  ),
  PLUMBLINE_BATCH_MAX_ROWS: integer(64, 1, 100_000),
  PLUMBLINE_BATCH_MAX_WAIT_US: integer(0, 0, 1_000_000),
  PLUMBLINE_ORT_THREADS: integer(1, 0, 256),
  PLUMBLINE_MAX_BODY_BYTES: integer(16 * 1024 * 1024, 1024),
  PLUMBLINE_MAX_ROWS: integer(10_000, 1),
  PLUMBLINE_MAX_LABELS: integer(10_000, 1),
  PLUMBLINE_MAX_STRING_LENGTH: integer(256, 1, 65_536),
  PLUMBLINE_MAX_SEGMENT_VALUES: integer(50, 1, 10_000),
  PLUMBLINE_MAX_JSON_DEPTH: integer(32, 2, 1000),
  PLUMBLINE_MAX_TENSOR_ELEMENTS: integer(10_000_000, 1),
  PLUMBLINE_API_KEYS: parsed('', parseApiKeys),
  PLUMBLINE_METRICS_PUBLIC: boolean(false),
  NODE_ENV: z.string().optional(),
  PLUMBLINE_ALERTS_ENABLED: boolean(true),
  PLUMBLINE_ALERT_INTERVAL: duration('15s'),
  PLUMBLINE_ALERT_REPEAT: duration('4h'),
  PLUMBLINE_ALERTMANAGER_URL: z.string().url().optional(),
  PLUMBLINE_EXTERNAL_URL: z.string().url().optional(),
  PLUMBLINE_WEBHOOK_ALLOW_PRIVATE: boolean(false),
  PLUMBLINE_WEBHOOK_TIMEOUT: duration('10s'),
  PLUMBLINE_WEBHOOK_RETRY_INITIAL: duration('1s'),
  PLUMBLINE_WEBHOOK_RETRY_MAX: duration('5m'),
  PLUMBLINE_WEBHOOK_GIVE_UP: duration('24h'),
});

type RawEnv = z.infer<typeof envSchema>;

export interface AppConfig extends RawEnv {
  /** Absolute paths, resolved once. */
  dataDir: string;
  modelRepository: string;
}

export class ConfigError extends Error {}

/** Validates `env` once at boot; the message names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  if (parsed.data.PLUMBLINE_DRIFT_BUCKET % parsed.data.PLUMBLINE_BUCKET !== 0) {
    throw new ConfigError('invalid configuration: PLUMBLINE_DRIFT_BUCKET must be a whole multiple of PLUMBLINE_BUCKET');
  }
  if (parsed.data.NODE_ENV === 'production' && parsed.data.PLUMBLINE_API_KEYS.length === 0) {
    throw new ConfigError('invalid configuration: NODE_ENV=production needs PLUMBLINE_API_KEYS (<name>:<role>:<key>,...); refusing to serve without authentication');
  }
  return {
    ...parsed.data,
    dataDir: resolve(parsed.data.PLUMBLINE_DATA_DIR),
    modelRepository: resolve(parsed.data.PLUMBLINE_MODEL_REPOSITORY),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
