/**
 * Who owns a temporary upload file in DATA_DIR/uploads, read from its name: multer writes each POST /v1/imports
 * body there, and a process killed mid-upload (or mid-store) never deletes its file. Names carry the writing
 * process (`<host>_<pid>_<nonce>_<random>.upload`), so a sweep can tell a file of a live upload from one left by a
 * dead process. Pure: the caller lists the directory and asks the OS whether a pid runs.
 */

/** The writing process: host name (sanitised), pid, and a nonce drawn at start (a restarted container reuses pids). */
export interface UploadOwner {
  host: string;
  pid: number;
  nonce: string;
}

const NAME = /^([A-Za-z0-9-]{1,64})_(\d{1,10})_([0-9a-f]{8})_[0-9a-f]{16}\.upload$/;

/** The file name for a new upload of `owner`; `random` is 16 hex characters. */
export function uploadFileName(owner: UploadOwner, random: string): string {
  return `${owner.host}_${owner.pid}_${owner.nonce}_${random}.upload`;
}

/** A host name as it appears in file names (letters, digits and `-`, at most 64 characters). */
export function sanitiseHost(host: string): string {
  return host.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64) || 'host';
}

export function parseUploadFileName(name: string): UploadOwner | null {
  const m = NAME.exec(name);
  return m ? { host: m[1], pid: Number(m[2]), nonce: m[3] } : null;
}

/**
 * Why a file in the uploads directory can be deleted now, or null to keep it.
 * - a file of this process is in use while its request runs; it is kept unless older than `maxAgeMs`;
 * - a file of this host whose process is gone (pid not running, or running under another nonce: this process after
 *   a restart with the same pid) is deleted at once;
 * - a file of another host (a shared volume), or any other file, is deleted when untouched for `maxAgeMs` (an upload
 *   in progress writes to its file; storing it in the database takes far less than that).
 */
export function staleUploadReason(
  file: { name: string; ageMs: number },
  self: UploadOwner,
  pidRuns: (pid: number) => boolean,
  maxAgeMs: number,
): string | null {
  const owner = parseUploadFileName(file.name);
  const old = file.ageMs > maxAgeMs ? `untouched for over ${Math.round(maxAgeMs / 1000)} s` : null;
  if (!owner || owner.host !== self.host) return old;
  if (owner.pid === self.pid)
    return owner.nonce === self.nonce ? old : 'left by an earlier process with this pid';
  return pidRuns(owner.pid) ? old : `left by process ${owner.pid}, which is gone`;
}
