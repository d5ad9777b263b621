import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, compileApp, runApp } from './compiled-app';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/**
 * Ctrl-C of the serving demo (API + workers + scheduler on the embedded PostgreSQL, queues in it too): the workers
 * stop, the pools close, and only then does PostgreSQL stop — no `57P01 terminating connection` and no level-50
 * error on the way out.
 */
describe('demo: orderly shutdown on SIGINT (CLI process, embedded PostgreSQL)', () => {
  let compiled: ReturnType<typeof compileApp>;
  const dataDir = mkdtempSync(join(tmpdir(), 'callplan-demo-'));
  // the embedded server runs as the `postgres` user when the tests run as root: it must reach its data directory
  chmodSync(dataDir, 0o755);
  let demo: AppProcess | undefined;

  beforeAll(() => {
    compiled = compileApp();
  });

  afterAll(async () => {
    if (demo && demo.child.exitCode === null) {
      demo.child.kill('SIGKILL');
      await demo.exited;
    }
    compiled?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops workers, then pools, then PostgreSQL, without connection errors', async () => {
    const pgPort = await freePort();
    const port = await freePort();
    demo = runApp(compiled.dir, 'cli/main.js', ['demo', '--customers', '300', '--port', String(port)], {
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
    });
    await demo.waitFor('Ctrl-C to stop', 240_000);
    // let the workers and the scheduler settle into polling the queues
    await new Promise((r) => setTimeout(r, 3000));
    expect(await listening(pgPort)).toBe(true);
    demo.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const { code, signal } = await Promise.race([
      demo.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no exit within 60 s')), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const out = `${demo.stdout}\n${demo.stderr}`;
    expect(out.match(/57P01|terminating connection/g) ?? []).toEqual([]);
    expect(out.match(/"level":50.*/g) ?? []).toEqual([]);
    expect(signal ?? code).toBe(130);
    // and the embedded server is gone, not orphaned
    expect(await listening(pgPort)).toBe(false);
  }, 330_000);
});
