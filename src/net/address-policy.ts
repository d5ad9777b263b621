import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound request (webhook delivery, CRM pull) may reach. Pure; no I/O.
 * Only public unicast addresses are allowed: loopback, private (RFC 1918), link-local (cloud metadata at
 * 169.254.169.254), CGNAT, multicast, unique-local IPv6, reserved and documentation ranges are refused, IPv4-mapped
 * and other IPv4-embedding IPv6 forms included. An allow-list of CIDRs (WEBHOOK_ALLOW_PRIVATE) opens chosen private
 * ranges for on-premise CRMs.
 */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface AddressVerdict {
  allowed: boolean;
  /** why a refused address is refused: the range's name ('loopback', 'private', 'linkLocal', …) */
  range: string;
}

/** Host names that reach cloud metadata services whatever they resolve to. */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Parses "10.0.0.0/8,127.0.0.1/32,::1/128" (a bare address means that one address). Throws on a bad entry. */
export function parseAllowList(spec: string | undefined): Cidr[] {
  if (!spec?.trim()) return [];
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      if (entry.includes('/')) return ipaddr.parseCIDR(entry) as Cidr;
      const addr = ipaddr.parse(entry);
      return [addr, addr.kind() === 'ipv4' ? 32 : 128] as Cidr;
    });
}

/** The IPv4 address an IPv6 address carries (::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), or the address itself. */
function unwrap(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() !== 'ipv6') return addr;
  const v6 = addr as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const range = v6.range();
  if (range === 'rfc6052' || range === 'rfc6145') {
    const parts = v6.parts;
    return ipaddr.IPv4.parse([parts[6] >> 8, parts[6] & 0xff, parts[7] >> 8, parts[7] & 0xff].join('.'));
  }
  return addr;
}

/** The verdict on one IP address (v4 or v6, any textual form `ipaddr.js` accepts). */
export function judgeAddress(ip: string, allow: readonly Cidr[] = []): AddressVerdict {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = unwrap(ipaddr.parse(ip));
  } catch {
    return { allowed: false, range: 'invalid' };
  }
  const range = addr.range();
  for (const [net, bits] of allow) {
    if (net.kind() === addr.kind() && addr.match(net as never, bits)) return { allowed: true, range };
  }
  return { allowed: range === 'unicast', range };
}

/** True for host names that name a metadata service or the local machine regardless of DNS. */
export function isForbiddenHostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return METADATA_HOSTS.has(h) || h === 'localhost' || h.endsWith('.localhost');
}
