import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
let compiled: string | null = null;

/**
 * Compiles src, migrations and bench (whose scoring-worker.ts the benchmarks use too) with swc (about a second) into a private directory under .data — not
 * dist/, which other people's builds overwrite — and returns the path of the compiled scoring worker.
 */
export function compileScoringWorker(): string {
  if (compiled) return compiled;
  const out = join(ROOT, '.data', `test-worker-${randomBytes(4).toString('hex')}`);
  mkdirSync(out, { recursive: true });
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    ['src', 'migrations', 'bench', '-d', out, '-q', '--config-file', '.swcrc', '--ignore', '**/*.spec.ts'],
    { cwd: ROOT, stdio: 'pipe' },
  );
  compiled = join(out, 'bench', 'scoring-worker.js');
  return compiled;
}

/** Removes the compiled copy (call from afterAll). */
export function removeCompiledWorker(): void {
  if (!compiled) return;
  rmSync(join(compiled, '..', '..'), { recursive: true, force: true });
  compiled = null;
}

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** resolves with the exit code or signal once the process is gone */
  exited: Promise<string>;
  /** what it wrote to stderr so far */
  readonly stderr: string;
  stop(signal?: NodeJS.Signals): Promise<string>;
}

/** Starts a scoring worker process with `env` on top of a minimal environment; resolves once it consumes jobs. */
export async function startScoringWorker(
  env: Record<string, string>,
  startTimeoutMs = 30_000,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [compileScoringWorker()], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // not left running behind a failed start
      reject(new Error(`worker did not start in ${startTimeoutMs} ms: ${stderr}`));
    }, startTimeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${how}) before it was ready: ${stderr}`));
    });
  });
  return {
    pid: child.pid as number,
    child,
    exited,
    get stderr() {
      return stderr;
    },
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
