import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_MODELS } from './app.js';
import { parseSamples, type Sample } from '../e2e/e2e-support.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * A private build of src/ for the tests that run the server as a process, under
 * node_modules/.cache/plumbline-reliability (not dist/: start.e2e.spec.ts rebuilds dist/ in its
 * beforeAll, and a server starting while tsc rewrites its files may read half a file). Laid out like
 * the checkout: `prisma` beside `dist` (the migrator finds `../../prisma/migrations`), a package.json
 * for `"type": "module"`; packages resolve from the checkout's node_modules.
 */
export const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'plumbline-reliability');
const BUILD_MAIN = join(BUILD_DIR, 'dist', 'main.js');

/** Compiles src/ into BUILD_DIR unless that build is newer than everything in src/ (a build costs ~40 s here). */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(BUILD_MAIN).mtimeMs;
  } catch {
    // never built
  }
  if (built > newestMtime(join(ROOT, 'src'))) return;
  mkdirSync(BUILD_DIR, { recursive: true });
  writeFileSync(join(BUILD_DIR, 'package.json'), '{"type": "module", "private": true}\n');
  if (!existsSync(join(BUILD_DIR, 'prisma'))) symlinkSync(join(ROOT, 'prisma'), join(BUILD_DIR, 'prisma'), 'dir');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(BUILD_DIR, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
}

/** A model repository holding copies of the fixture model `fixture` under each of `names`. */
export function modelRepositoryWith(fixture: string, names: string[]): string {
  const directory = mkdtempSync(join(tmpdir(), 'plumbline-rel-models-'));
  for (const name of names) {
    mkdirSync(join(directory, name));
    cpSync(join(FIXTURE_MODELS, fixture), join(directory, name), { recursive: true });
  }
  return directory;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output(): string;
  /** SIGKILL, and wait until the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (drains the prediction log), and wait for the exit code. */
  stop(): Promise<number | null>;
}

export interface ServerOptions {
  databaseUrl: string;
  dataDir: string;
  modelRepository: string;
  port?: number;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** The built server (`node …/dist/main.js`) on the given database, data dir and model repository; resolves once /v2/health/ready answers 200. */
export async function spawnServer(options: ServerOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl,
    PLUMBLINE_DATA_DIR: options.dataDir,
    PLUMBLINE_MODEL_REPOSITORY: options.modelRepository,
    // As in startTestApp: the processes share the test database and would take the alert evaluation lock from the alert tests.
    PLUMBLINE_ALERTS_ENABLED: 'false',
    ...options.env,
  };
  const child = spawn(process.execPath, [BUILD_MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    child,
    url,
    port,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      return exited(child);
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    const ready = await fetch(`${url}/v2/health/ready`).then((r) => r.ok, () => false);
    if (ready) return server;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The samples of GET /metrics (the server runs open). */
export async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
  return parseSamples(await response.text());
}

/** One sample's value, or undefined when the series is absent. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
