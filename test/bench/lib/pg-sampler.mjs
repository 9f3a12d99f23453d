import pg from 'pg';

/**
 * Samples pg_stat_activity of one database every `intervalMs` while a measurement runs: how many
 * client backends were active, and what they waited on (Lock = row/transaction locks, IO, LWLock…).
 * A cheap way to tell "PostgreSQL is busy" from "transactions queue behind each other's locks".
 */
export async function startSampler(url, intervalMs = 50) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let samples = 0;
  let active = 0;
  let lockWaiting = 0;
  const waits = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query(
        `SELECT state, wait_event_type, wait_event FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state = 'active'`,
      );
      samples++;
      active += rows.length;
      for (const row of rows) {
        if (row.wait_event_type === 'Lock') lockWaiting++;
        if (row.wait_event_type) {
          const key = `${row.wait_event_type}:${row.wait_event}`;
          waits[key] = (waits[key] ?? 0) + 1;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await client.end();
    return {
      samples,
      activeAvg: samples ? active / samples : 0,
      lockWaitingAvg: samples ? lockWaiting / samples : 0,
      waits: Object.fromEntries(Object.entries(waits).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => [k, Math.round((v / samples) * 100) / 100])),
    };
  };
}
