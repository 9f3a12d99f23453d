import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/database/embedded-postgres.launcher.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;
let runTmp: string | undefined;
let outerTmp: string | undefined;

/**
 * Tests use the PostgreSQL at DATABASE_URL, or start the embedded one for the run. Every temporary directory the
 * run makes (model repositories, data dirs, spools, the servers it spawns) goes under one directory of its own
 * (TMPDIR, which os.tmpdir() reads and the test processes inherit), removed when the run ends: a run used to
 * leave some 200 directories in /tmp.
 */
export async function setup(project: TestProject): Promise<void> {
  outerTmp = process.env.TMPDIR;
  runTmp = mkdtempSync(join(tmpdir(), 'plumbline-test-run-'));
  process.env.TMPDIR = runTmp;
  let url = process.env.DATABASE_URL;
  if (!url) {
    dataDir = mkdtempSync(join(tmpdir(), 'plumbline-test-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir, port: 0, log: () => undefined });
    url = embedded.url;
  }
  project.provide('databaseUrl', url);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
  if (outerTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outerTmp;
}
