import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP, LookupFunction } from 'node:net';
import { Agent, Dispatcher, fetch as undiciFetch } from 'undici';
import { Cidr, isForbiddenHostName, judgeAddress } from './address-policy';

/** An outbound URL or address that the SSRF policy refuses; `code` is the API error code. */
export class OutboundRefused extends Error {
  readonly code = 'url_not_allowed';
  constructor(message: string) {
    super(message);
  }
}

type Resolve = (host: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/**
 * The SSRF guard of every request Callplan sends to an address a tenant chose (webhook endpoints, CRM pull
 * connectors). `check` refuses a URL at registration; `fetch` checks again at send time and connects only to the
 * address it checked (the lookup of the connection is the checked one), so a DNS answer that changes to a private
 * address between check and connect is refused too. Redirects are never followed.
 */
export class OutboundGuard {
  private readonly dispatcher: Dispatcher;

  constructor(
    private readonly allow: readonly Cidr[] = [],
    private readonly resolve: Resolve = systemResolve,
  ) {
    this.dispatcher = new Agent({ connect: { lookup: this.lookup } });
  }

  /** Parses and checks a URL: http(s) only, a host that is not a metadata or local name, every address public. */
  async check(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundRefused(`"${raw}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new OutboundRefused('only http and https URLs are allowed');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isForbiddenHostName(host)) throw new OutboundRefused(`the host ${host} is not allowed`);
    await this.addressesOf(host);
    return url;
  }

  /** `fetch` (undici) through the guard: checks the URL, pins the connection to checked addresses, no redirects. */
  async fetch(raw: string, init: Parameters<typeof undiciFetch>[1] = {}) {
    const url = await this.check(raw);
    return undiciFetch(url, { ...init, redirect: 'manual', dispatcher: this.dispatcher });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** The host's addresses when every one is allowed (an IP literal is its own address). */
  private async addressesOf(host: string): Promise<LookupAddress[]> {
    const family = isIP(host);
    let addresses: LookupAddress[];
    if (family) addresses = [{ address: host, family }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (e) {
        throw new OutboundRefused(
          `the host ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    if (addresses.length === 0) throw new OutboundRefused(`the host ${host} has no address`);
    for (const a of addresses) {
      const verdict = judgeAddress(a.address, this.allow);
      if (!verdict.allowed)
        throw new OutboundRefused(
          `${host === a.address ? 'the address' : `${host} resolves to`} ${a.address} (${verdict.range}), which is not a public address`,
        );
    }
    return addresses;
  }

  /** The connection's lookup: the same resolution and check, so the socket goes to an address that passed. */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.addressesOf(hostname).then(
      (addresses) => {
        if ((options as { all?: boolean }).all)
          (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (e: Error) => callback(Object.assign(e, { code: 'ERR_OUTBOUND_REFUSED' }) as NodeJS.ErrnoException, ''),
    );
  };
}
