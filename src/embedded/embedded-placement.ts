import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where the embedded PostgreSQL lives when it cannot live where it was asked to (pure; no I/O).
 *
 * PostgreSQL refuses to run as root, so a root process runs initdb and the server as the `postgres` OS user. That
 * user must be able to reach the binaries and the data directory: every parent directory searchable by it. Root's
 * home (mode 700) or a `mktemp -d` folder is not, so there the binaries are copied and the data directory placed
 * under one directory per uid in the machine's temporary area (`/var/tmp/callplan-pg-<uid>`), and the requested
 * data directory gets a symbolic link to it.
 */
export function fallbackRoot(tmpRoot: string, uid: number): string {
  return join(tmpRoot, `callplan-pg-${uid}`);
}

/** The copy of the binaries for one PostgreSQL version (and package location). */
export function fallbackBinaries(root: string, version: string, source: string): string {
  return join(root, `bin-${safe(version)}-${digest(source)}`);
}

/** The data directory for the requested one: stable across starts, distinct per requested path. */
export function fallbackDataDir(root: string, requested: string): string {
  return join(root, `data-${digest(requested)}`);
}

/** The one sentence a user sees when the embedded PostgreSQL cannot start, with what to do about it. */
export function embeddedFailureMessage(
  why:
    | { kind: 'no-user'; detail: string }
    | { kind: 'unreachable'; path: string; user: string }
    | { kind: 'start'; detail: string },
): string {
  const instead = 'set DATABASE_URL to a PostgreSQL server you run yourself';
  switch (why.kind) {
    case 'no-user':
      return `The embedded PostgreSQL cannot run as root: PostgreSQL refuses root, and the "postgres" OS user it would run as does not exist and could not be created (${why.detail}); create that user or ${instead}.`;
    case 'unreachable':
      return `The embedded PostgreSQL cannot run as root here: its "${why.user}" OS user cannot reach ${why.path}; make that directory reachable, run Callplan as a non-root user, or ${instead}.`;
    case 'start':
      return `The embedded PostgreSQL did not start (${why.detail}); ${instead}, or remove the embedded data directory if it is damaged.`;
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

function safe(s: string): string {
  return s.replace(/[^0-9A-Za-z.]/g, '_');
}
