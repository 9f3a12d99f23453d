// `npm test`'s pretest: the e2e tests run a real Prometheus, promtool, Alertmanager (amtool) and check the
// compose file with docker-compose — Debian packages, not npm ones. Where one is missing and we may
// install (root, apt-get), install it; otherwise say what to install and let the tests report.
import { spawnSync } from 'node:child_process';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const needs = [
  ['prometheus', ['prometheus', 'promtool']],
  ['prometheus-alertmanager', ['prometheus-alertmanager', 'amtool']],
  ['docker-compose', ['docker-compose']],
];
const missing = needs.filter(([, commands]) => !commands.every(has)).map(([pkg]) => pkg);
if (missing.length === 0) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !has('apt-get')) {
  console.warn(`pretest: missing Debian packages ${missing.join(', ')} (apt-get install ${missing.join(' ')}); the tests that need them will say so`);
  process.exit(0);
}
console.log(`pretest: installing ${missing.join(', ')} (Debian packages the e2e tests run)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env }) : update;
if (install.status !== 0) console.warn(`pretest: could not install ${missing.join(', ')}; the tests that need them will say so`);
