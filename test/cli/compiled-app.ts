import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The app as a user runs it: src and migrations compiled with swc (about a second) into a private folder under
 * .data — not dist/, which other people's builds overwrite. `remove()` from afterAll.
 */
export function compileApp(): { dir: string; remove(): void } {
  const dir = join(ROOT, '.data', `test-app-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    ['src', 'migrations', '-d', dir, '-q', '--config-file', '.swcrc', '--ignore', '**/*.spec.ts'],
    { cwd: ROOT, stdio: 'pipe' },
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AppProcess {
  child: ChildProcess;
  /** everything written so far */
  readonly stdout: string;
  readonly stderr: string;
  /** resolves with the exit code (or the signal) once the process is gone */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** resolves once stdout or stderr contains `text` (rejects after `timeoutMs` or when the process exits first) */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Runs `<dir>/src/<script>` with `env` on top of a minimal environment (no inherited secrets or URLs).
 * `detached`: in a process group of its own, as a terminal runs a foreground command (signal it with
 * `process.kill(-child.pid, …)`, the way Ctrl-C does).
 */
export function runApp(
  dir: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  opts: { detached?: boolean; cwd?: string } = {},
): AppProcess {
  const child = spawn(process.execPath, [join(dir, 'src', script), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const seen = () => listeners.forEach((l) => l());
  child.stdout?.on('data', (d: Buffer) => ((stdout += d.toString()), seen()));
  child.stderr?.on('data', (d: Buffer) => ((stderr += d.toString()), seen()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(text, timeoutMs = 60_000) {
      const found = () =>
        typeof text === 'string' ? (stdout + stderr).includes(text) : text.test(stdout + stderr);
      return new Promise<void>((resolve, reject) => {
        if (found()) return resolve();
        const done = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => found() && done();
        const timer = setTimeout(
          () => done(new Error(`no "${String(text)}" within ${timeoutMs} ms:\n${stdout}\n${stderr}`)),
          timeoutMs,
        );
        listeners.add(check);
        void exited.then(({ code, signal }) =>
          found()
            ? done()
            : done(new Error(`exited (${code ?? signal}) before "${String(text)}":\n${stdout}\n${stderr}`)),
        );
      });
    },
  };
}

/** Runs the compiled CLI (`<dir>/src/cli/main.js`) to its end: exit code and output. */
export function runCli(
  dir: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(dir, 'src', 'cli', 'main.js'), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Removes a DATA_DIR and, when run as root from a directory the `postgres` user cannot enter, the embedded
 * PostgreSQL's data placed under /var/tmp that a `pg` link in it points to (src/embedded/embedded-server.ts).
 */
export function removeDataDir(dataDir: string): void {
  for (const name of safeList(dataDir)) {
    const path = join(dataDir, name);
    if (!lstatSync(path).isSymbolicLink()) continue;
    const target = readlinkSync(path);
    // only the embedded server's fallback data directories, never what another link points at
    if (/^\/var\/tmp\/callplan-pg-\d+\/data-[0-9a-f]{12}$/.test(target))
      rmSync(target, { recursive: true, force: true });
  }
  rmSync(dataDir, { recursive: true, force: true });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
