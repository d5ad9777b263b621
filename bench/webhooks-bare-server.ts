import { createServer } from 'node:http';
import { secretKey, verifySignature } from '../src/ingest/events/webhook-signature';

/**
 * Baseline of the inbound-webhook benchmark, run as its own process: a bare node:http handler that reads the body,
 * checks the Standard Webhooks signature with the same code as the API, parses the JSON and answers 202. No Nest,
 * no validation, no database. BARE_PORT, BARE_SECRET from the environment (bench only).
 */
const key = secretKey(process.env.BARE_SECRET ?? '');
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const h = (n: string) => req.headers[n] as string | undefined;
    const check = verifySignature(
      body,
      { id: h('webhook-id'), timestamp: h('webhook-timestamp'), signature: h('webhook-signature') },
      [key],
    );
    if (!check.ok) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: check.code } }));
      return;
    }
    const events = (JSON.parse(body.toString('utf8')) as { events: unknown[] }).events.length;
    res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ events }));
  });
});
server.listen(Number(process.env.BARE_PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
