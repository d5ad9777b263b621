import fc from 'fast-check';
import { parseInstant } from './instant';

describe('parseInstant', () => {
  it.each([
    ['2026-11-26T10:00:00+08:00', '2026-11-26T02:00:00.000Z'],
    ['2026-11-26T10:00+08:00', '2026-11-26T02:00:00.000Z'],
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26t10:00:00z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00:00.1234-05:30', '2026-11-26T15:30:00.123Z'],
    ['2026-11-26T10:00:00+0800', '2026-11-26T02:00:00.000Z'],
    ['2028-02-29T23:59:59-00:00', '2028-02-29T23:59:59.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-11-26T10:00:00', // no offset: the bug this refuses (read as UTC, a 10:00 Shanghai callback became 18:00)
    '2026-11-26T10:00',
    '2026-11-26',
    '2026-11-26 10:00:00+08:00',
    '2026-02-30T10:00:00Z',
    '2026-11-26T24:00:00Z',
    '2026-11-26T10:60:00Z',
    '2026-11-26T10:00:00+19:00',
    'tomorrow',
    '',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeNull();
  });

  it('agrees with Date for every instant written with an offset (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2199-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -18 * 60, max: 18 * 60 }),
        (date, offset) => {
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseInstant(text)?.getTime()).toBe(date.getTime());
        },
      ),
    );
  });
});
