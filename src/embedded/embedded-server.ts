import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import {
  embeddedFailureMessage,
  fallbackBinaries,
  fallbackDataDir,
  fallbackRoot,
} from './embedded-placement';

/** A start-up failure of the embedded PostgreSQL: `message` is one sentence for the user (no stack trace). */
export class EmbeddedPostgresError extends Error {
  readonly code = 'EMBEDDED_POSTGRES';
}

export interface EmbeddedServerOptions {
  /** the data directory asked for (`<DATA_DIR>/pg`) */
  dir: string;
  port: number;
  user: string;
  password: string;
  /** extra `postgres -c …` flags */
  flags: string[];
  log?: (msg: string) => void;
  /** the package's `native` folder (bin, lib, share); default: the installed `@embedded-postgres/<platform>` */
  nativeDir?: string;
  /** where a root process places what the `postgres` user cannot reach; default /var/tmp */
  tmpRoot?: string;
  /** how long `stop()` lets the last sessions end before it cuts them off (fast shutdown); default 5 s */
  smartShutdownMs?: number;
}

const SMART_SHUTDOWN_MS = 5_000;

export interface EmbeddedServer {
  pid: number;
  /** the data directory in use (the fallback's real path when placed under tmpRoot) */
  dataDir: string;
  stop(): Promise<void>;
}

interface Ids {
  uid: number;
  gid: number;
}

const OS_USER = 'postgres';

/**
 * Runs PostgreSQL from the `embedded-postgres` binaries, in its own session (`detached`): a terminal's Ctrl-C
 * signals the foreground process group, which then holds only our process, so the server stops when our ordered
 * shutdown says so (after the workers and pools) and never under live connections. Because a detached server
 * would outlive a process killed with SIGKILL, a watchdog (`sh`, also in a session of its own) sends the server
 * SIGINT (fast shutdown) within a second of our process disappearing.
 *
 * As root, initdb and the server run as the `postgres` OS user (created when missing), with the binaries and the
 * data directory moved where that user can reach them when the requested place is behind a mode-700 directory
 * (see embedded-placement.ts).
 */
export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const native = opts.nativeDir ?? installedNativeDir();
  const ids = isRoot() ? postgresUser() : undefined;
  const root = fallbackRoot(opts.tmpRoot ?? '/var/tmp', process.getuid?.() ?? 0);
  const bin = ids ? reachableBinaries(native, ids, root, opts.log) : join(native, 'bin');
  const dataDir = ids ? reachableDataDir(resolve(opts.dir), ids, root, opts.log) : ensureDir(opts.dir);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    opts.log?.(`initialising embedded PostgreSQL in ${dataDir}`);
    await initdb(bin, dataDir, opts, ids);
  }
  const server = spawnServer(bin, dataDir, opts, ids);
  await waitReady(server, opts, dataDir);
  opts.log?.(`embedded PostgreSQL listening on 127.0.0.1:${opts.port}`);
  return server;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function installedNativeDir(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    // resolved, not loaded (an ES module): <package>/dist/index.js → <package>/native
    return join(dirname(dirname(require.resolve(pkg))), 'native');
  } catch {
    throw new EmbeddedPostgresError(
      embeddedFailureMessage({
        kind: 'start',
        detail: `no PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg} is not installed)`,
      }),
    );
  }
}

/** The `postgres` OS user's ids, creating the user the way embedded-postgres does when it is missing. */
function postgresUser(): Ids {
  const lookup = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', OS_USER], { stdio: 'pipe' }).toString().trim()),
    gid: Number(execFileSync('id', ['-g', OS_USER], { stdio: 'pipe' }).toString().trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      spawnSync('groupadd', ['--system', OS_USER], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '-g', OS_USER, '-M', OS_USER], { stdio: 'pipe' });
      return lookup();
    } catch (e) {
      throw new EmbeddedPostgresError(embeddedFailureMessage({ kind: 'no-user', detail: firstLine(e) }));
    }
  }
}

/** Whether the `postgres` user passes `test <flag> <path>` (access(2) checks every parent directory too). */
function canAccess(ids: Ids, flag: '-x' | '-r' | '-w', path: string): boolean {
  const r = spawnSync('test', [flag, path], {
    uid: ids.uid,
    gid: ids.gid,
    stdio: 'ignore',
  });
  return r.status === 0;
}

/** A directory of mode 755 owned by root under the machine's temporary area, for the two fallbacks. */
function fallbackBase(root: string): string {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const st = lstatSync(root);
  // another user's directory (or a link) at our fixed name is not ours to use
  if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0))
    throw new EmbeddedPostgresError(
      embeddedFailureMessage({ kind: 'start', detail: `${root} exists and is not this user's directory` }),
    );
  chmodSync(root, 0o755);
  return root;
}

function reachableBinaries(native: string, ids: Ids, root: string, log?: (m: string) => void): string {
  if (canAccess(ids, '-x', join(native, 'bin', 'postgres')) && canAccess(ids, '-r', join(native, 'share')))
    return join(native, 'bin');
  const version = execFileSync(join(native, 'bin', 'postgres'), ['--version'], { stdio: 'pipe' })
    .toString()
    .trim()
    .replace(/^\D*/, '');
  const target = fallbackBinaries(fallbackBase(root), version, native);
  if (!existsSync(join(target, '.complete'))) {
    log?.(`copying the PostgreSQL binaries to ${target} (the "${OS_USER}" user cannot reach ${native})`);
    const partial = `${target}.${randomBytes(4).toString('hex')}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(partial, '.complete'), '');
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  }
  if (!canAccess(ids, '-x', join(target, 'bin', 'postgres')))
    throw new EmbeddedPostgresError(
      embeddedFailureMessage({ kind: 'unreachable', path: target, user: OS_USER }),
    );
  return join(target, 'bin');
}

/**
 * The requested data directory when the `postgres` user can reach its parent; else a directory under the
 * fallback root, with a symbolic link at the requested path (so `DATA_DIR/pg` still shows where the data is, and
 * the next start follows the link to the same place).
 */
function reachableDataDir(requested: string, ids: Ids, root: string, log?: (m: string) => void): string {
  mkdirSync(dirname(requested), { recursive: true });
  const linked = isSymlink(requested) ? realpathIfExists(requested) : undefined;
  const wanted = linked ?? requested;
  if (canAccess(ids, '-x', dirname(wanted))) return ownedDir(wanted, ids);
  if (existsSync(join(wanted, 'PG_VERSION')))
    throw new EmbeddedPostgresError(
      embeddedFailureMessage({ kind: 'unreachable', path: wanted, user: OS_USER }),
    );
  const fallback = fallbackDataDir(fallbackBase(root), requested);
  log?.(
    `the "${OS_USER}" user cannot reach ${dirname(requested)} (mode 700?): the embedded PostgreSQL keeps its data in ${fallback}, linked from ${requested}`,
  );
  if (isSymlink(requested)) rmSync(requested, { force: true });
  else if (existsSync(requested) && readdirSync(requested).length === 0) rmdirSync(requested);
  if (!existsSync(requested)) symlinkSync(fallback, requested, 'dir');
  return ownedDir(fallback, ids);
}

function ownedDir(dir: string, ids: Ids): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, ids.uid, ids.gid);
  return dir;
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function realpathIfExists(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function runAs(ids: Ids | undefined): { uid?: number; gid?: number } {
  return ids ? { uid: ids.uid, gid: ids.gid } : {};
}

async function initdb(bin: string, dataDir: string, opts: EmbeddedServerOptions, ids?: Ids): Promise<void> {
  const pwfile = join(dirname(dataDir), `.pgpass-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
  if (ids) chownSync(pwfile, ids.uid, ids.gid);
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
      const child = spawn(
        join(bin, 'initdb'),
        [
          `--pgdata=${dataDir}`,
          '--auth=password',
          `--username=${opts.user}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...runAs(ids), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      child.once('error', (e) => done({ code: -1, output: firstLine(e) }));
      child.once('close', (c) => done({ code: c, output }));
    });
    if (code !== 0)
      throw new EmbeddedPostgresError(
        embeddedFailureMessage({ kind: 'start', detail: `initdb failed: ${lastLine(output)}` }),
      );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

interface Running extends EmbeddedServer {
  child: ChildProcess;
  exited: Promise<void>;
  logFile: string;
}

function spawnServer(bin: string, dataDir: string, opts: EmbeddedServerOptions, ids?: Ids): Running {
  const logFile = join(dataDir, 'callplan-server.log');
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(opts.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        ...opts.flags,
      ],
      // its own session: a terminal's Ctrl-C reaches our process group only (the stop order is ours)
      { ...runAs(ids), detached: true, stdio: ['ignore', fd, fd] },
    );
  } finally {
    closeSync(fd);
  }
  child.unref();
  let alive = true;
  const exited = new Promise<void>((done) => {
    child.once('exit', () => ((alive = false), done()));
    child.once('error', () => ((alive = false), done()));
  });
  const pid = child.pid ?? -1;
  // an exit of ours that skipped stop() (process.exit, an uncaught error) still stops the server
  const onExit = () => alive && process.kill(pid, 'SIGINT');
  process.on('exit', onExit);
  if (pid > 0) startWatchdog(pid);
  let stopping: Promise<void> | undefined;
  return {
    pid,
    dataDir,
    child,
    exited,
    logFile,
    stop: () =>
      (stopping ??= (async () => {
        process.removeListener('exit', onExit);
        if (!alive) return;
        // Smart shutdown first: no new sessions, and the server exits once the last one has ended. Our pools are
        // closed by now, but a closed pool's connections are still being torn down for a moment (pg's pool.end()
        // resolves before their sockets are gone); a fast shutdown then cut them off with 57P01, the more often
        // the busier the machine. Sessions still open after smartShutdownMs are cut off (fast shutdown).
        const escalate = async (signal: NodeJS.Signals, ms: number) => {
          if (!alive) return;
          child.kill(signal);
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<void>((r) => (timer = setTimeout(r, ms)));
          await Promise.race([exited, late]);
          clearTimeout(timer);
        };
        await escalate('SIGTERM', opts.smartShutdownMs ?? SMART_SHUTDOWN_MS);
        await escalate('SIGINT', 30_000);
        if (alive) {
          child.kill('SIGKILL');
          await exited;
        }
      })()),
  };
}

/**
 * Sends the server SIGINT once this process is gone (SIGKILL, a crash); ends by itself when the server stops first.
 * `kill -0` probes both pids once a second.
 */
function startWatchdog(serverPid: number): void {
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'kill -0 "$1" 2>/dev/null || kill -INT "$2" 2>/dev/null; exit 0';
  const dog = spawn('sh', ['-c', script, 'callplan-pg-watchdog', String(process.pid), String(serverPid)], {
    detached: true,
    stdio: 'ignore',
  });
  dog.on('error', () => undefined);
  dog.unref();
}

async function waitReady(server: Running, opts: EmbeddedServerOptions, dataDir: string): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const url = `postgres://${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) break;
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  const log = existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8') : '';
  const detail = exited
    ? `it exited: ${lastLine(
        log
          .split('\n')
          .filter((l) => /FATAL|ERROR|PANIC/.test(l))
          .join('\n') || log,
      )}`
    : `no connection on 127.0.0.1:${opts.port} within 60 s; its log is ${server.logFile}`;
  throw new EmbeddedPostgresError(
    embeddedFailureMessage({ kind: 'start', detail: `${detail} (data directory ${dataDir})` }),
  );
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? 'no output').slice(0, 300);
}
