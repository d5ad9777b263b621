import { normalizeIp } from '@nestjs/throttler';
import ipaddr from 'ipaddr.js';

/**
 * The address a limit counts a client by: IPv4 as is (an IPv4-mapped IPv6 `::ffff:a.b.c.d` of a dual-stack socket
 * too — masked as IPv6 it would put every IPv4 client in one /64), IPv6 by its /64 (one host owns a whole /64, so
 * counting single addresses would let it rotate), 'unknown' when there is none.
 */
export function clientAddress(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
    return normalizeIp(v6.toNormalizedString());
  }
  return parsed.toString();
}
