import { convertMinor, currencyPolicy, parseRate } from './currency-rates';

describe('currency rates', () => {
  it('parses positive decimal rates exactly', () => {
    expect(parseRate('7.1234')).toBe(7_123_400_000_000n);
    expect(parseRate('0')).toBeNull();
    expect(parseRate('-1')).toBeNull();
    expect(parseRate('1e3')).toBeNull();
  });

  it('converts minor units across exponents, rounding half away from zero', () => {
    // 12.34 USD at 7.1 → 87.614 CNY → 87.61
    expect(convertMinor(1234n, parseRate('7.1')!, 'USD', 'CNY')).toBe(8761n);
    // 1000 JPY at 0.05 → 50.00 CNY
    expect(convertMinor(1000n, parseRate('0.05')!, 'JPY', 'CNY')).toBe(5000n);
    // 0.005 rounds up to 0.01
    expect(convertMinor(1n, parseRate('0.5')!, 'USD', 'CNY')).toBe(1n);
  });

  it('uses the rate valid on the order day, and says why when there is none', () => {
    const policy = currencyPolicy('CNY', [
      { currency: 'USD', validFrom: '2024-01-01', rate: '7' },
      { currency: 'USD', validFrom: '2024-06-01', rate: '8' },
    ]);
    const at = (d: string) => Date.parse(`${d}T12:00:00Z`);
    expect(policy.convert('USD', 100n, at('2024-03-01'))).toEqual({ amountMinor: 700n });
    expect(policy.convert('USD', 100n, at('2024-06-01'))).toEqual({ amountMinor: 800n });
    expect(policy.convert('USD', 100n, at('2023-12-31'))).toEqual({
      error: 'no USD→CNY rate valid on 2023-12-31 (the first is from 2024-01-01)',
    });
    expect(policy.convert('EUR', 100n, at('2024-03-01'))).toEqual({
      error: expect.stringMatching(
        /^EUR is not the workspace currency \(CNY\) and the workspace has no EUR rate/,
      ),
    });
  });
});
