import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseAllowList } from './address-policy';
import { OutboundGuard, OutboundRefused } from './outbound-guard';

const PUBLIC = '93.184.216.34';
/** A resolver that answers from a table (no network here), like DNS would. */
const table = (answers: Record<string, string[]>) => async (host: string) => {
  const a = answers[host];
  if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('OutboundGuard.check: URLs an attacker would register', () => {
  const guard = new OutboundGuard(
    [],
    table({
      'example.com': [PUBLIC],
      'internal.corp': ['10.1.2.3'],
      'rebind.test': [PUBLIC, '127.0.0.1'],
      'v6only.test': ['fd12::1'],
      'mapped.test': ['::ffff:10.0.0.1'],
    }),
  );
  const refused = [
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[::1]:6379/',
    'http://metadata.google.internal/',
    'http://metadata/',
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://017700000001/',
    'http://0x7f.1/',
    'http://0/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://user:pass@169.254.169.254/',
    'http://example.com@10.0.0.1/',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[ff02::1]/',
    'http://192.0.2.1/',
    'http://localhost:3000/',
    'http://api.localhost/',
    'http://internal.corp/',
    'http://rebind.test/',
    'http://v6only.test/',
    'http://mapped.test/',
    'http://no-such-host.test/',
    'ftp://example.com/',
    'file:///etc/passwd',
    'gopher://example.com/',
    'not a url',
  ];
  it.each(refused)('refuses %s', async (url) => {
    await expect(guard.check(url)).rejects.toBeInstanceOf(OutboundRefused);
  });

  it.each(['https://example.com/hooks', 'http://93.184.216.34:8080/x', 'https://[2606:4700::1111]/'])(
    'allows %s',
    async (url) => {
      await expect(guard.check(url)).resolves.toBeInstanceOf(URL);
    },
  );

  it('says which address and range it refused', async () => {
    await expect(guard.check('http://internal.corp/')).rejects.toThrow(
      'internal.corp resolves to 10.1.2.3 (private), which is not a public address',
    );
  });

  it('opens only the ranges of the allow-list', async () => {
    const onPrem = new OutboundGuard(parseAllowList('10.0.0.0/8, 127.0.0.1'), table({}));
    await expect(onPrem.check('http://10.9.8.7/')).resolves.toBeInstanceOf(URL);
    await expect(onPrem.check('http://127.0.0.1:9/')).resolves.toBeInstanceOf(URL);
    await expect(onPrem.check('http://127.0.0.2/')).rejects.toBeInstanceOf(OutboundRefused);
    await expect(onPrem.check('http://169.254.169.254/')).rejects.toBeInstanceOf(OutboundRefused);
    await onPrem.close();
  });

  it('rejects a malformed allow-list', () => {
    expect(() => parseAllowList('10.0.0.0/99')).toThrow();
    expect(() => parseAllowList('not-an-ip')).toThrow();
  });
});

describe('OutboundGuard.fetch against a real local server', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('refuses loopback unless allow-listed', async () => {
    const strict = new OutboundGuard([], table({}));
    await expect(strict.fetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(OutboundRefused);
    const allowed = new OutboundGuard(parseAllowList('127.0.0.1/32'), table({}));
    const res = await allowed.fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    await Promise.all([strict.close(), allowed.close()]);
  });

  it('does not follow redirects', async () => {
    const guard = new OutboundGuard(parseAllowList('127.0.0.1/32'), table({}));
    const res = await guard.fetch(`http://127.0.0.1:${port}/redirect`);
    expect(res.status).toBe(302);
    await res.body?.cancel();
    await guard.close();
  });

  it('connects to the checked address: a name that changes to a private address after the check is refused', async () => {
    let calls = 0;
    // first answer (the check) public, then loopback (the connection): DNS rebinding
    const rebinding = async () => [{ address: calls++ === 0 ? PUBLIC : '127.0.0.1', family: 4 }];
    const guard = new OutboundGuard([], rebinding);
    await expect(guard.fetch(`http://rebind.test:${port}/`)).rejects.toThrow();
    expect(calls).toBe(2);
    await guard.close();
  });
});
