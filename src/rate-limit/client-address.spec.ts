import { clientAddress } from './client-address';

describe('clientAddress', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6 and tells IPv4 clients apart', () => {
    expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('::ffff:198.51.100.1')).not.toBe(clientAddress('::ffff:203.0.113.7'));
  });

  it('counts IPv6 by its /64', () => {
    expect(clientAddress('2001:db8:1:2:aaaa::1')).toBe(clientAddress('2001:db8:1:2:bbbb::9'));
    expect(clientAddress('2001:db8:1:2::1')).not.toBe(clientAddress('2001:db8:1:3::1'));
  });

  it('says unknown for a missing or malformed address', () => {
    expect(clientAddress(undefined)).toBe('unknown');
    expect(clientAddress('not-an-ip')).toBe('unknown');
  });
});
