import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { inject } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, type AppConfig } from '../../src/config/env.js';

export const FIXTURE_MODELS = join(import.meta.dirname, '..', 'fixtures', 'models');

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  close(): Promise<void>;
}

/** A temporary copy of the fixture model repository (uploads and reloads change it). */
export function copyFixtureModels(): string {
  const directory = mkdtempSync(join(tmpdir(), 'plumbline-models-'));
  cpSync(FIXTURE_MODELS, directory, { recursive: true });
  return directory;
}

/** Boots the real application on a free port against the test database. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: inject('databaseUrl'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Every e2e app shares one database and would compete for the alert evaluation lock: only the alert tests evaluate.
    PLUMBLINE_ALERTS_ENABLED: 'false',
    PLUMBLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'plumbline-data-')),
    PLUMBLINE_MODEL_REPOSITORY: copyFixtureModels(),
    ...env,
  });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, config, close: () => app.close() };
}

/** A unique id for rows a test writes (tests never truncate shared tables). */
export function uniqueId(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export async function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text bodies (metrics)
  }
  return { status: response.status, body };
}
