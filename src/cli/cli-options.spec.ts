import { InvalidArgumentError } from 'commander';
import { calendarDay, positiveInt } from './cli-options';

describe('CLI option parsers', () => {
  it('takes a calendar day and refuses one that does not exist, naming the flag', () => {
    const parse = calendarDay('--as-of');
    expect(parse('2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-1-1', '26-01-01', ''])
      expect(() => parse(bad)).toThrow(new InvalidArgumentError('--as-of must be a calendar day YYYY-MM-DD'));
  });

  it('takes a non-negative integer', () => {
    expect(positiveInt('--limit')('0')).toBe(0);
    expect(() => positiveInt('--limit')('-1')).toThrow(InvalidArgumentError);
  });
});
