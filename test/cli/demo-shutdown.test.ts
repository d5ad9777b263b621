import { mkdtempSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, compileApp, removeDataDir, runApp } from './compiled-app';

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
 * Ctrl-C of the serving demo (API + workers + scheduler on the embedded PostgreSQL, queues in it too): a terminal
 * sends SIGINT to the whole foreground process group, so the demo runs in a group of its own here and the group
 * gets the signal. The embedded server runs in a session of its own and is not signalled: the workers stop, the
 * pools close, and only then does PostgreSQL stop — no `57P01 terminating connection` and no level-50 error on the
 * way out. DATA_DIR is a `mktemp -d` folder (mode 700): as root, the server's `postgres` user cannot enter it.
 */
describe('demo: orderly shutdown on Ctrl-C (CLI process group, embedded PostgreSQL)', () => {
  let compiled: ReturnType<typeof compileApp>;
  const dataDir = mkdtempSync(join(tmpdir(), 'callplan-demo-'));
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
    removeDataDir(dataDir);
  });

  it('stops workers, then pools, then PostgreSQL, without connection errors', async () => {
    const pgPort = await freePort();
    const port = await freePort();
    demo = runApp(
      compiled.dir,
      'cli/main.js',
      ['demo', '--customers', '300', '--port', String(port)],
      { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) },
      { detached: true },
    );
    await demo.waitFor('Ctrl-C to stop', 240_000);
    // let the workers and the scheduler settle into polling the queues
    await new Promise((r) => setTimeout(r, 3000));
    expect(await listening(pgPort)).toBe(true);
    process.kill(-(demo.child.pid as number), 'SIGINT'); // Ctrl-C: the whole process group
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

  it('stops the embedded server when the demo is killed with SIGKILL (its watchdog), and starts again after', async () => {
    const pgPort = await freePort();
    const port = await freePort();
    const start = () =>
      runApp(
        compiled.dir,
        'cli/main.js',
        ['demo', '--customers', '300', '--port', String(port)],
        { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) },
        { detached: true },
      );
    demo = start();
    await demo.waitFor('Ctrl-C to stop', 240_000);
    expect(await listening(pgPort)).toBe(true);
    demo.child.kill('SIGKILL');
    await demo.exited;
    // the server outlives its starter only until the watchdog's next probe (once a second)
    const deadline = Date.now() + 20_000;
    while ((await listening(pgPort)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await listening(pgPort)).toBe(false);
    // and the same data directory serves the next start
    demo = start();
    await demo.waitFor('Ctrl-C to stop', 240_000);
    process.kill(-(demo.child.pid as number), 'SIGINT');
    expect((await demo.exited).code).toBe(130);
    expect(`${demo.stdout}\n${demo.stderr}`).not.toMatch(/57P01|"level":50/);
    expect(await listening(pgPort)).toBe(false);
  }, 400_000);
});
