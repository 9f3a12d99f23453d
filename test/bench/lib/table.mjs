/** Plain-text tables: one per section, columns padded to their widest cell. */

export function formatTable(columns, rows) {
  const cells = [columns, ...rows].map((row) => row.map((cell) => (cell === undefined || cell === null ? '' : String(cell))));
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A section's result as text: its title, its table, its checks and notes. */
export function formatSection(result) {
  const out = [`## ${result.title}`, ''];
  if (result.rows?.length) out.push(formatTable(result.columns, result.rows), '');
  for (const check of result.checks ?? []) {
    const mark = check.pass === true ? 'PASS' : check.pass === false ? 'MISS' : 'info';
    out.push(`[${mark}] ${check.name}: ${check.value}${check.target ? `   (target ${check.target})` : ''}`);
  }
  if (result.checks?.length) out.push('');
  for (const note of result.notes ?? []) out.push(`note: ${note}`);
  if (result.notes?.length) out.push('');
  return out.join('\n');
}
