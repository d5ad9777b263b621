import { presentsMetricsToken } from './metrics-token';

describe('presentsMetricsToken', () => {
  const token = 'metrics-token-0123456789';

  it('accepts the exact bearer token', () => {
    expect(presentsMetricsToken(`Bearer ${token}`, token)).toBe(true);
  });

  it('refuses a missing header, another scheme, a prefix, an API key and a longer value', () => {
    expect(presentsMetricsToken(undefined, token)).toBe(false);
    expect(presentsMetricsToken(`Basic ${token}`, token)).toBe(false);
    expect(presentsMetricsToken(`Bearer ${token.slice(0, -1)}`, token)).toBe(false);
    expect(presentsMetricsToken(`Bearer ${token}x`, token)).toBe(false);
    expect(presentsMetricsToken('Bearer cpk_abcdefgh_xxx', token)).toBe(false);
  });
});
