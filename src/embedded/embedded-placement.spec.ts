import {
  embeddedFailureMessage,
  fallbackBinaries,
  fallbackDataDir,
  fallbackRoot,
} from './embedded-placement';

describe('embedded PostgreSQL placement', () => {
  it('keeps one fallback root per uid under the temporary area', () => {
    expect(fallbackRoot('/var/tmp', 0)).toBe('/var/tmp/callplan-pg-0');
    expect(fallbackRoot('/var/tmp', 1000)).toBe('/var/tmp/callplan-pg-1000');
  });

  it('gives each requested data directory its own stable place', () => {
    const a = fallbackDataDir('/var/tmp/callplan-pg-0', '/root/callplan/.data/pg');
    expect(fallbackDataDir('/var/tmp/callplan-pg-0', '/root/callplan/.data/pg')).toBe(a);
    expect(fallbackDataDir('/var/tmp/callplan-pg-0', '/tmp/tmp.x/pg')).not.toBe(a);
    expect(a).toMatch(/^\/var\/tmp\/callplan-pg-0\/data-[0-9a-f]{12}$/);
  });

  it('copies the binaries once per version and package location', () => {
    const a = fallbackBinaries('/r', '18.4', '/root/a/native');
    expect(a).toMatch(/^\/r\/bin-18\.4-[0-9a-f]{12}$/);
    expect(fallbackBinaries('/r', '18.4', '/root/b/native')).not.toBe(a);
    expect(fallbackBinaries('/r', '18.5', '/root/a/native')).not.toBe(a);
  });

  it('explains a failure in one sentence that says what to do', () => {
    const messages = [
      embeddedFailureMessage({ kind: 'no-user', detail: 'useradd: Permission denied' }),
      embeddedFailureMessage({ kind: 'unreachable', path: '/root/x/pg', user: 'postgres' }),
      embeddedFailureMessage({ kind: 'start', detail: 'initdb failed: no space left on device' }),
    ];
    for (const m of messages) {
      expect(m).not.toContain('\n');
      expect(m.match(/\. /g) ?? []).toEqual([]); // one sentence
      expect(m).toContain('DATABASE_URL');
      expect(m.endsWith('.')).toBe(true);
    }
    expect(messages[1]).toContain('/root/x/pg');
  });
});
