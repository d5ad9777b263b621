import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedServer, startEmbeddedServer } from '../../src/embedded/embedded-server';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A connected client that records the errors the server sends it (57P01 on a fast shutdown). */
async function connectedClient(port: number) {
  const errors: string[] = [];
  const client = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });
  client.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message));
  await client.connect();
  return { client, errors };
}

/**
 * Stopping the embedded PostgreSQL (the last step of an ordered shutdown, src/bootstrap.ts): the sessions still
 * ending get to end — a closed pool's connections are torn down just after pool.end() resolves — instead of being
 * cut off with 57P01 (test/cli/demo-shutdown.test.ts saw that under load); a session that never ends is cut off
 * after the smart-shutdown window, so the stop stays bounded.
 */
describe('embedded PostgreSQL: stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callplan-pg-stop-'));
  chmodSync(dir, 0o755); // as root the server runs as `postgres`, who must reach the data directory
  let port: number;
  const start = (smartShutdownMs: number) =>
    startEmbeddedServer({
      dir: join(dir, 'pg'),
      port,
      user: 'postgres',
      password: 'postgres',
      flags: ['-c', 'fsync=off'],
      smartShutdownMs,
    });
  let server: EmbeddedServer | undefined;

  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a session that is ending end, without 57P01', async () => {
    server = await start(20_000);
    const { client, errors } = await connectedClient(port);
    let stopped = false;
    const t0 = Date.now();
    const stopping = server.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 700));
    // still up for the session that is open, which still works
    expect(stopped).toBe(false);
    await expect(client.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    await client.end();
    await stopping;
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(errors).toEqual([]);
  }, 90_000);

  it('cuts off a session that never ends once the window is over', async () => {
    server = await start(1_000);
    const { client, errors } = await connectedClient(port);
    const ended = new Promise((r) => client.once('end', r));
    const t0 = Date.now();
    await server.stop();
    await ended;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(errors).toContain('57P01');
  }, 90_000);
});
