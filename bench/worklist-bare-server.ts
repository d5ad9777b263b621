import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/**
 * Baseline of the worklist benchmark, run as its own process: a bare node:http handler that answers each key's
 * request with the very bytes and headers the API answered it (read once from BARE_BODIES, a JSON file of
 * authorization header → { etag, body }). No Nest, no auth, no database: the ceiling of HTTP on this machine.
 */
const bodies = new Map<string, { etag: string; body: Buffer }>(
  Object.entries(
    JSON.parse(readFileSync(process.env.BARE_BODIES ?? '', 'utf8')) as Record<
      string,
      { etag: string; body: string }
    >,
  ).map(([auth, r]) => [auth, { etag: r.etag, body: Buffer.from(r.body, 'utf8') }]),
);
const server = createServer((req, res) => {
  const found = bodies.get(req.headers.authorization ?? '');
  if (!found) {
    res.writeHead(401).end();
    return;
  }
  res
    .writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': found.body.length,
      etag: found.etag,
      'cache-control': 'private, no-cache',
    })
    .end(found.body);
});
server.listen(Number(process.env.BARE_PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
