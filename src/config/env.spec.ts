import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.js';

/** The message loadConfig refuses `env` with, or a failure if it accepts it. */
function configFailure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('fills the defaults for an empty environment', () => {
    const config = loadConfig({});
    expect({
      PORT: config.PORT,
      HOST: config.HOST,
      LOG_LEVEL: config.LOG_LEVEL,
      DATABASE_URL: config.DATABASE_URL,
      PLUMBLINE_LOG_MODE: config.PLUMBLINE_LOG_MODE,
      PLUMBLINE_RETENTION: config.PLUMBLINE_RETENTION,
      PLUMBLINE_BUCKET: config.PLUMBLINE_BUCKET,
      PLUMBLINE_LABEL_JOIN_WINDOW: config.PLUMBLINE_LABEL_JOIN_WINDOW,
      PLUMBLINE_MAX_BODY_BYTES: config.PLUMBLINE_MAX_BODY_BYTES,
      PLUMBLINE_MAX_ROWS: config.PLUMBLINE_MAX_ROWS,
      PLUMBLINE_MAX_STRING_LENGTH: config.PLUMBLINE_MAX_STRING_LENGTH,
      PLUMBLINE_MAX_SEGMENT_VALUES: config.PLUMBLINE_MAX_SEGMENT_VALUES,
      PLUMBLINE_BATCH_MAX_WAIT_US: config.PLUMBLINE_BATCH_MAX_WAIT_US,
      PLUMBLINE_PERFORMANCE_WINDOWS: config.PLUMBLINE_PERFORMANCE_WINDOWS,
    }).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      DATABASE_URL: undefined,
      PLUMBLINE_LOG_MODE: 'group',
      PLUMBLINE_RETENTION: 2_592_000_000,
      PLUMBLINE_BUCKET: 60_000,
      PLUMBLINE_LABEL_JOIN_WINDOW: 604_800_000,
      PLUMBLINE_MAX_BODY_BYTES: 16_777_216,
      PLUMBLINE_MAX_ROWS: 10_000,
      PLUMBLINE_MAX_STRING_LENGTH: 256,
      PLUMBLINE_MAX_SEGMENT_VALUES: 50,
      PLUMBLINE_BATCH_MAX_WAIT_US: 0,
      PLUMBLINE_PERFORMANCE_WINDOWS: [
        { name: '1h', ms: 3_600_000 },
        { name: '24h', ms: 86_400_000 },
      ],
    });
  });

  it('resolves the default directories against the working directory', () => {
    const config = loadConfig({});
    expect([config.dataDir, config.modelRepository]).toEqual([join(process.cwd(), '.plumbline'), join(process.cwd(), 'models')]);
  });

  it('treats empty-string values as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', PLUMBLINE_LOG_MODE: '', PLUMBLINE_RETENTION: '', DATABASE_URL: '' });
    expect([config.PORT, config.HOST, config.PLUMBLINE_LOG_MODE, config.PLUMBLINE_RETENTION, config.DATABASE_URL]).toEqual([
      8080,
      '0.0.0.0',
      'group',
      2_592_000_000,
      undefined,
    ]);
  });

  it('reads the values it is given', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      PLUMBLINE_LOG_MODE: 'async',
      PLUMBLINE_RETENTION: '7d',
      PLUMBLINE_MAX_BODY_BYTES: '1048576',
      DATABASE_URL: 'postgres://plumbline@db:5432/plumbline',
    });
    expect([config.PORT, config.HOST, config.PLUMBLINE_LOG_MODE, config.PLUMBLINE_RETENTION, config.PLUMBLINE_MAX_BODY_BYTES, config.DATABASE_URL]).toEqual([
      9090,
      '127.0.0.1',
      'async',
      604_800_000,
      1_048_576,
      'postgres://plumbline@db:5432/plumbline',
    ]);
  });

  it.each<[string, string]>([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['PLUMBLINE_LOG_MODE', 'sometimes'],
    ['PLUMBLINE_RETENTION', 'forever'],
    ['PLUMBLINE_BUCKET', '5'],
    ['PLUMBLINE_BATCH_MAX_ROWS', '0'],
    ['PLUMBLINE_MAX_BODY_BYTES', '100'],
    ['DATABASE_URL', 'not a url'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    expect(configFailure({ [name]: value })).toMatch(new RegExp(`^invalid configuration: ${name}: `));
  });

  it('names every bad variable in one message', () => {
    const message = configFailure({ PORT: 'abc', PLUMBLINE_LOG_MODE: 'sometimes', PLUMBLINE_RETENTION: 'forever' });
    expect(message).toContain('PORT: ');
    expect(message).toContain('PLUMBLINE_LOG_MODE: ');
    expect(message).toContain('PLUMBLINE_RETENTION: "forever" is not a duration');
  });
  it('refuses to start in production without API keys, and reads keys and the metrics switch', () => {
    expect(configFailure({ NODE_ENV: 'production' })).toMatch(/NODE_ENV=production needs PLUMBLINE_API_KEYS/);
    const config = loadConfig({ NODE_ENV: 'production', PLUMBLINE_API_KEYS: 'ops:admin:0123456789abcdef', PLUMBLINE_METRICS_PUBLIC: 'true' });
    expect(config.PLUMBLINE_API_KEYS).toEqual([{ name: 'ops', role: 'admin', key: '0123456789abcdef' }]);
    expect(config.PLUMBLINE_METRICS_PUBLIC).toBe(true);
    expect(loadConfig({}).PLUMBLINE_METRICS_PUBLIC).toBe(false);
    const message = configFailure({ PLUMBLINE_API_KEYS: 'ops:root:0123456789abcdef' });
    expect(message).toMatch(/PLUMBLINE_API_KEYS: key 'ops': role must be/);
    expect(message).not.toContain('0123456789abcdef');
  });
  it('needs drift buckets to be whole multiples of the performance buckets', () => {
    expect(configFailure({ PLUMBLINE_BUCKET: '1m', PLUMBLINE_DRIFT_BUCKET: '90s' })).toMatch(/PLUMBLINE_DRIFT_BUCKET must be a whole multiple of PLUMBLINE_BUCKET/);
    expect(loadConfig({}).PLUMBLINE_DRIFT_BUCKET).toBe(900_000);
  });
});
