import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An audit entry as it is archived: one JSON line each. */
export interface ArchivedEntry {
  id: string;
  created_at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: unknown;
}

/** `YYYY-MM` of an entry (UTC): the archive file it goes to. */
export function archiveMonth(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The entries grouped by archive month, each group as JSON lines (ids ascending within a month). Pure. */
export function archiveLines(entries: readonly ArchivedEntry[]): Map<string, string> {
  const byMonth = new Map<string, string[]>();
  for (const e of entries) {
    const month = archiveMonth(e.created_at);
    const line = JSON.stringify({
      id: e.id,
      createdAt: e.created_at.toISOString(),
      actor: e.actor,
      action: e.action,
      subject: e.subject,
      details: e.details,
    });
    byMonth.set(month, [...(byMonth.get(month) ?? []), line]);
  }
  return new Map([...byMonth].map(([m, lines]) => [m, `${lines.join('\n')}\n`]));
}

/**
 * Appends audit entries to `<dir>/<workspace>/audit-<YYYY-MM>.jsonl.gz` before the retention job deletes them: one
 * gzip member per batch and month (concatenated members are one valid gzip file: `zcat` reads them all), written
 * and fsynced before the rows' DELETE commits. A run that dies between the two archives the batch again next time;
 * the lines carry the entry id, so a reader drops duplicates. Answers the files written.
 */
export async function appendToArchive(
  dir: string,
  workspaceId: string,
  entries: readonly ArchivedEntry[],
): Promise<string[]> {
  const folder = join(dir, workspaceId);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  for (const [month, text] of archiveLines(entries)) {
    const file = join(folder, `audit-${month}.jsonl.gz`);
    const handle = await open(file, 'a', 0o600);
    try {
      await handle.write(gzipSync(text));
      await handle.sync();
    } finally {
      await handle.close();
    }
    files.push(file);
  }
  return files;
}
