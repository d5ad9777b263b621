import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { appendToArchive, archiveLines, ArchivedEntry } from './audit-archive';

const entry = (id: string, at: string): ArchivedEntry => ({
  id,
  created_at: new Date(at),
  actor: 'cli',
  action: 'workspace.updated',
  subject: null,
  details: { n: Number(id) },
});

describe('audit archive', () => {
  it('groups entries by UTC month, one JSON line each', () => {
    const lines = archiveLines([
      entry('1', '2025-01-31T23:59:59Z'),
      entry('2', '2025-02-01T00:00:00Z'),
      entry('3', '2025-01-15T08:00:00+08:00'),
    ]);
    expect([...lines.keys()]).toEqual(['2025-01', '2025-02']);
    expect(
      lines
        .get('2025-01')!
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(['1', '3']);
  });

  it('appends gzip members that read back as one file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-archive-'));
    try {
      await appendToArchive(dir, 'ws', [entry('1', '2025-01-02T00:00:00Z')]);
      const [file] = await appendToArchive(dir, 'ws', [entry('2', '2025-01-03T00:00:00Z')]);
      expect(file).toBe(join(dir, 'ws', 'audit-2025-01.jsonl.gz'));
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      expect(
        text
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { id: string }).id),
      ).toEqual(['1', '2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
