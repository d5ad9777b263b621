import { readFileSync, readlinkSync } from 'node:fs';

/**
 * This machine as its processes see it: the kernel's boot id and our PID namespace (Linux). Two processes with the
 * same identity see the same pids, so one can tell whether the other is still running; containers of one host
 * (other PID namespaces) or other hosts get other identities. `null` where /proc does not say (then only the
 * heartbeat's age counts).
 */
export function machineIdentity(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNs = readlinkSync('/proc/self/ns/pid');
    return boot && pidNs ? `${boot}/${pidNs}` : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists here (EPERM: it exists under another user). */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * The heartbeats whose process may still run: a beat written on this machine by a pid that is gone is dropped at
 * once (a worker killed with SIGKILL, or a CLI that exited without removing its row), any other counts until it
 * goes stale.
 */
export function withoutGoneProcesses<T extends { pid: number; machine: string | null }>(
  rows: T[],
  here: string | null,
  running: (pid: number) => boolean,
): T[] {
  return rows.filter((r) => here === null || r.machine !== here || running(r.pid));
}
