import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** One answer of the API as it went on the wire: its page headers and body (base64). */
export interface BareAnswer {
  headers: Record<string, string>;
  body: string;
}

/** Per authorization header, the API's identity and gzip answers. */
export type BareBodies = Record<string, { identity: BareAnswer; gzip: BareAnswer }>;

/**
 * Baseline of the worklist benchmark, run as its own process: a bare node:http handler that answers each key's
 * request with the very bytes and headers the API answered it (read once from BARE_BODIES, a JSON file of
 * BareBodies), the gzip ones when the request's Accept-Encoding names gzip. No Nest, no auth, no database, no
 * compression at request time: the ceiling of HTTP on this machine.
 */
const answers = new Map(
  Object.entries(JSON.parse(readFileSync(process.env.BARE_BODIES ?? '', 'utf8')) as BareBodies).map(
    ([auth, r]) => [
      auth,
      {
        identity: { headers: r.identity.headers, body: Buffer.from(r.identity.body, 'base64') },
        gzip: { headers: r.gzip.headers, body: Buffer.from(r.gzip.body, 'base64') },
      },
    ],
  ),
);
const server = createServer((req, res) => {
  const found = answers.get(req.headers.authorization ?? '');
  if (!found) {
    res.writeHead(401).end();
    return;
  }
  // the benchmark's clients send `gzip` or nothing: no full negotiation needed here
  const answer = /gzip/.test(req.headers['accept-encoding'] ?? '') ? found.gzip : found.identity;
  res.writeHead(200, answer.headers).end(answer.body);
});
server.listen(Number(process.env.BARE_PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
