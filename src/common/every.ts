/**
 * Runs `work` every `intervalMs`, never two runs at once (a tick that finds the last run still going
 * is skipped); a failure is reported through `warn` and retried at the next tick. The timer does not
 * keep the process alive. Returns the function that stops it.
 */
export function every(intervalMs: number, what: string, work: () => Promise<unknown>, warn: (message: string) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    work()
      .catch((error: Error) => warn(`${what} failed (will retry): ${error.message}`))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
