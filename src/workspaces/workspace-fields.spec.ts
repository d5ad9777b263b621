import fc from 'fast-check';
import {
  cronProblem,
  currencyProblem,
  localeProblem,
  nameProblem,
  nearest,
  slugProblem,
  timeZoneProblem,
  unknownWorkspaceMessage,
} from './workspace-fields';

describe('workspace fields', () => {
  it('accepts IANA zones and refuses offsets, typos and junk, suggesting the nearest zone', () => {
    for (const tz of ['Asia/Shanghai', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'UTC']) {
      expect(timeZoneProblem(tz)).toBeNull();
    }
    expect(timeZoneProblem('Asia/Shangai')).toBe(
      '"Asia/Shangai" is not an IANA time zone (did you mean Asia/Shanghai?)',
    );
    expect(timeZoneProblem('+08:00')).toMatch(/not an IANA time zone/);
    expect(timeZoneProblem('')).toMatch(/not an IANA time zone/);
    expect(timeZoneProblem('Mars/Olympus_Mons')).toMatch(/not an IANA time zone$/);
  });

  it('accepts ISO 4217 codes in upper case only', () => {
    expect(currencyProblem('CNY')).toBeNull();
    expect(currencyProblem('USD')).toBeNull();
    expect(currencyProblem('usd')).toBe('"usd" must be upper case (USD)');
    expect(currencyProblem('XYZ')).toBe('"XYZ" is not an ISO 4217 currency code');
    expect(currencyProblem('RMB')).toMatch(/not an ISO 4217/);
  });

  it('accepts only the talk-track locales', () => {
    expect(localeProblem('zh-CN', ['en', 'zh-CN'])).toBeNull();
    expect(localeProblem('zh-cn', ['en', 'zh-CN'])).toMatch(/did you mean zh-CN\?/);
    expect(localeProblem('de', ['en', 'zh-CN'])).toBe('"de" is not a talk-track locale; one of en, zh-CN');
  });

  it('checks five-field cron expressions field by field', () => {
    for (const ok of ['0 2 * * *', '*/15 0-6 1,15 jan-mar mon-fri', '30 6 * * 0', '0 0 1 * 7']) {
      expect(cronProblem(ok)).toBeNull();
    }
    expect(cronProblem('0 2 * *')).toMatch(/five fields/);
    expect(cronProblem('60 2 * * *')).toBe('"60" is not a valid minute field');
    expect(cronProblem('0 24 * * *')).toBe('"24" is not a valid hour field');
    expect(cronProblem('0 2 0 * *')).toBe('"0" is not a valid day of month field');
    expect(cronProblem('0 2 * * 8')).toBe('"8" is not a valid day of week field');
    expect(cronProblem('0 5-2 * * *')).toMatch(/hour/);
    expect(cronProblem('0 */0 * * *')).toMatch(/hour/);
  });

  it('never accepts a cron field out of range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 999 }), fc.integer({ min: 0, max: 59 }), (bad, good) => {
        expect(cronProblem(`${bad} 2 * * *`)).not.toBeNull();
        expect(cronProblem(`${good} 2 * * *`)).toBeNull();
      }),
    );
  });

  it('checks slugs and names', () => {
    expect(slugProblem('acme-2')).toBeNull();
    expect(slugProblem('Acme')).toMatch(/lowercase/);
    expect(slugProblem('-x')).toMatch(/lowercase/);
    expect(nameProblem('北京安泰')).toBeNull();
    expect(nameProblem(' ')).toBe('must not be empty');
    expect(nameProblem('a\u0000b')).toMatch(/control/);
    expect(nameProblem('Caf\ufffd')).toMatch(/replacement/);
    expect(nameProblem('a\ud800b')).toMatch(/surrogate/);
    expect(nameProblem('😀 Emoji Ltd')).toBeNull();
  });

  it('finds the nearest candidate only when it is close', () => {
    expect(nearest('Europe/Berln', ['Europe/Berlin', 'Europe/Bern'])).toBe('Europe/Berlin');
    expect(nearest('zzzzzzzz', ['Europe/Berlin'])).toBeNull();
  });

  it('says how to create an unknown workspace', () => {
    expect(unknownWorkspaceMessage('typo')).toBe(
      "no workspace 'typo' (create it with: callplan workspace create --slug typo)",
    );
  });
});
