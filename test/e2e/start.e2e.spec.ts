import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../helpers/app.js';

const ROOT = join(import.meta.dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The server as `npm start` runs it (built, no DATABASE_URL: embedded PostgreSQL, demo models). */
async function start(dataDir: string, port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', PLUMBLINE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    const ready = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then((r) => r.ok, () => false);
    if (ready) return { child, output: () => output };
    if (Date.now() > deadline) throw new Error(`server not ready in 90 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

async function predict(port: number, id: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/models/credit/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ records: [{ id, features: { age: 41, income: 52000, debt_ratio: 0.3, tenure_months: 24, num_accounts: 3 }, segments: { region: 'eu' } }] }),
  });
  return response.status;
}

describe('npm start: the built server on an embedded PostgreSQL, no configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plumbline-start-'));

  beforeAll(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the demo models, keeps predictions across a clean stop and a kill -9, and stops its PostgreSQL', async () => {
    const port = await freePort();
    const first = await start(dataDir, port);
    const id = uniqueId('start');
    expect(await predict(port, id)).toBe(200);
    const models = await fetch(`http://127.0.0.1:${port}/v2/repository/index`, { method: 'POST' }).then((r) => r.json() as Promise<Array<{ name: string; state: string }>>);
    expect(models.filter((m) => m.state === 'READY').map((m) => m.name)).toEqual(
      expect.arrayContaining(['credit', 'iris', 'demand']),
    );

    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toBe(0);
    const pidFiles = spawnSync('sh', ['-c', `find ${dataDir} /var/lib/plumbline -name postmaster.pid 2>/dev/null | xargs -r grep -l . || true`], { encoding: 'utf8' }).stdout;
    expect(pidFiles.split('\n').filter((line) => line.startsWith(dataDir))).toEqual([]);

    const second = await start(dataDir, port);
    const stored = await fetch(`http://127.0.0.1:${port}/api/models/credit/predictions/${id}`).then((r) => r.json() as Promise<{ features: Record<string, unknown> }>);
    expect(stored.features.debt_ratio).toBe(0.3);
    const id2 = uniqueId('killed');
    expect(await predict(port, id2)).toBe(200);
    second.child.kill('SIGKILL');
    await exited(second.child);

    // The orphaned PostgreSQL of the killed server is adopted by the next one.
    const third = await start(dataDir, port);
    expect(third.output()).toMatch(/adopting the embedded PostgreSQL/);
    expect((await fetch(`http://127.0.0.1:${port}/api/models/credit/predictions/${id2}`)).status).toBe(200);
    third.child.kill('SIGTERM');
    expect(await exited(third.child)).toBe(0);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 240_000);
});
