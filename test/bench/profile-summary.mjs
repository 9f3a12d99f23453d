// Summarises a V8 CPU profile written by `npm run bench -- --profile` (node --cpu-prof):
//   node test/bench/profile-summary.mjs <file.cpuprofile> [regex] [top]
// prints the functions with the most self time, then the most inclusive time (synchronous call
// stacks only: time spent awaiting PostgreSQL is "(idle)"), filtered by `regex` if given.
import { readFileSync } from 'node:fs';

const [file, filter = '.', top = '30'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.mjs <file.cpuprofile> [regex] [top]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
const name = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}${url ? `:${lineNumber + 1}` : ''}`;
};
const self = new Map();
const inclusive = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  self.set(name(nodes.get(id)), (self.get(name(nodes.get(id))) ?? 0) + dt);
  const seen = new Set();
  for (let current = id; current !== undefined; current = parents.get(current)) {
    const key = name(nodes.get(current));
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    seen.add(key);
  }
});
const pattern = new RegExp(filter);
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].filter(([key]) => pattern.test(key)).sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    console.log(`${(us / 1000).toFixed(0).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time', self);
print('inclusive time', inclusive);
