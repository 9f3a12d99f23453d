import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, peakRssOf, rssOf, sleep, track, waitExit } from './procs.mjs';

/** The node flags of `npm start` (package.json), which every server of the bench runs with, the bare baselines too. */
const SERVER_NODE_ARGS = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
  .scripts.start.split(/\s+/)
  .filter((arg) => arg.startsWith('--'));

/**
 * Starts a server as a child process (with the node flags of `npm start`) on a free port and waits until `readyPath` answers 200:
 * Plumbline (`node dist/main.js`) or any other script (the bare server). Its output goes to
 * `<tmp>/<name>.log`.
 */
export async function startServer({ name, script, args = [], env, tmp, readyPath, cwd, nodeArgs = [] }) {
  const port = await freePort();
  const logFile = join(tmp, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = track(
    spawn(process.execPath, [...SERVER_NODE_ARGS, ...nodeArgs, script, ...args], {
      cwd,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', fd, fd],
    }),
  );
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const tail = () => readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail()}`);
    try {
      const response = await fetch(`${url}${readyPath}`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 120 s:\n${tail()}`);
    }
    await sleep(200);
  }
  return {
    name,
    url,
    pid: child.pid,
    logFile,
    rss: () => rssOf(child.pid),
    peakRss: () => peakRssOf(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      try {
        await waitExit(child, 20_000);
      } catch {
        child.kill('SIGKILL');
        await waitExit(child, 5_000).catch(() => undefined);
      }
    },
  };
}

/**
 * Plumbline itself: `node dist/main.js` (with the flags of `npm start`) with its settings in the environment (the inherited
 * PLUMBLINE_* and DATABASE_URL are replaced, so a developer's shell cannot change what is measured).
 */
export function startPlumbline({ ctx, name, databaseUrl, repository, dataDir, env = {}, nodeArgs = [], dist = 'dist' }) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PLUMBLINE_') && key !== 'DATABASE_URL' && key !== 'PORT' && key !== 'HOST'));
  return startServer({
    name,
    script: resolve(ctx.root, dist, 'main.js'),
    cwd: ctx.root,
    tmp: ctx.tmp,
    readyPath: '/v2/health/ready',
    nodeArgs,
    env: {
      ...inherited,
      // Not NODE_ENV=production: that refuses to start without API keys, and the bare baseline has no auth either.
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      PLUMBLINE_DATA_DIR: dataDir,
      PLUMBLINE_MODEL_REPOSITORY: repository,
      ...env,
    },
  });
}

/** The value of one Prometheus sample in `text` whose labels include `labels` (summed over the matches). */
export function metricValue(text, metric, labels = {}) {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const match = /^[^{ ]+(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[2]);
  }
  return total;
}
