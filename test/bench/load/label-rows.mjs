/**
 * The (id, label) rows of one labels trial: positions [offset, offset + count) of a fixed affine
 * permutation of the log's rows 1..rows, so that each trial labels predictions spread over the whole
 * log (not a warm contiguous run) and no two trials label the same prediction.
 */
export function labelRows({ prefix, rows, multiplier, offset, count }) {
  const out = [];
  for (let i = offset; i < offset + count; i++) {
    const n = ((multiplier * i + 12345) % rows) + 1;
    out.push([`${prefix}${String(n).padStart(10, '0')}`, (n * 2654435761) % 7 < 3 ? 'yes' : 'no']);
  }
  return out;
}

/**
 * A multiplier coprime to `rows` (so that i → a·i mod rows is a permutation) near rows / φ: a Weyl
 * sequence, so that any run of consecutive positions is spread evenly over the whole log.
 */
export function permutationMultiplier(rows) {
  const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
  let a = Math.floor(rows * 0.6180339887498949);
  while (gcd(a, rows) !== 1) a += 1;
  return a;
}
