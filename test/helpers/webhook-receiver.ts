import { createServer, type Server } from 'node:http';

export interface Received {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
  /** The status this receiver answered. */
  answered: number;
}

/** A real HTTP webhook receiver on loopback; `failNext(n)` answers 500 to the next n requests. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private failures = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
        const answered = this.failures > 0 ? 500 : 200;
        if (this.failures > 0) this.failures--;
        this.received.push({ at: Date.now(), headers: request.headers, raw, body, answered });
        response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'down');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
    return this;
  }

  failNext(count: number): void {
    this.failures = count;
  }

  /** What arrived for one alert name (the database, hence the webhooks, is shared with other tests). */
  about(alertname: string): Received[] {
    return this.received.filter((entry) => entry.body?.groupLabels?.alertname === alertname || entry.body?.commonLabels?.alertname === alertname);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
