import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  webhookId: string;
}

/**
 * A CRM's webhook receiver on loopback: records every request, answers what `answer` says (204 by default), and
 * counts distinct `webhook-id`s as a receiver deduplicating at-least-once deliveries would.
 */
export class TestReceiver {
  readonly received: ReceivedDelivery[] = [];
  answer: (d: ReceivedDelivery) => { status: number; headers?: Record<string, string>; body?: string } =
    () => ({
      status: 204,
    });
  private server?: Server;
  url = '';

  async start(host = '127.0.0.1', path = '/hook'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const d = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          webhookId: String(req.headers['webhook-id']),
        };
        this.received.push(d);
        const a = this.answer(d);
        res.writeHead(a.status, a.headers).end(a.body);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, host, r));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `http://${host}:${port}${path}`;
    return this;
  }

  /** Distinct webhook-ids received with a 2xx answer would be the set below; here: every id that arrived. */
  uniqueIds(): Set<string> {
    return new Set(this.received.map((r) => r.webhookId));
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}
