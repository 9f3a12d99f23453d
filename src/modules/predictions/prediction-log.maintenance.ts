import type { PredictionLogRepository } from './prediction-log.repository.js';

const DAY_MS = 86_400_000;
const DAYS_AHEAD = 3;

/** Creates the prediction log's daily partitions ahead of time and drops those past retention. */
export class PredictionLogMaintenance {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: PredictionLogRepository,
    private readonly retentionMs: number,
    private readonly log: (message: string) => void,
  ) {}

  start(intervalMs = 3_600_000): Promise<void> {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
    return this.run();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async run(now = new Date()): Promise<void> {
    try {
      const days = Array.from({ length: DAYS_AHEAD + 1 }, (_, i) => new Date(now.getTime() + i * DAY_MS));
      await this.repository.ensurePartitions(days);
      const dropped = await this.repository.dropPartitionsBefore(new Date(now.getTime() - this.retentionMs));
      if (dropped.length > 0) this.log(`dropped prediction log partitions past retention: ${dropped.join(', ')}`);
    } catch (error) {
      this.log(`prediction log maintenance failed (will retry): ${(error as Error).message}`);
    }
  }
}
