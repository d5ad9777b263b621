import fc from 'fast-check';
import { answerPage, gzipETag, matchesEitherCoding, negotiateCoding, ServedPage } from './content-coding';

describe('negotiateCoding (RFC 9110 §12.5.3)', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'gzip'],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'gzip'],
    ['gzip;q=0', 'identity'],
    ['gzip ; q=0.000', 'identity'],
    ['gzip;q=0.001', 'gzip'],
    ['*', 'gzip'],
    ['*;q=0', 'identity'],
    ['gzip;q=0, *', 'identity'], // * stands only for codings not named
    ['*;q=0, gzip', 'gzip'],
    ['br', 'identity'],
    ['deflate, br', 'identity'],
    ['identity;q=0', 'identity'], // nothing acceptable is available: the bytes as they are
    ['gzip;q=2', 'identity'], // a malformed weight: the member is ignored
    ['gzip;q=abc, br', 'identity'],
  ] as const)('%p → %s', (header, coding) => {
    expect(negotiateCoding(header)).toBe(coding);
  });

  const coding = fc.constantFrom('gzip', 'GZip', 'x-gzip', 'br', 'deflate', 'identity', 'zstd', '*');
  const q = fc.constantFrom(undefined, '0', '0.0', '0.5', '0.001', '1', '1.000');
  const member = fc.tuple(coding, q).map(([c, w]) => (w === undefined ? c : `${c};q=${w}`));
  const header = fc.array(member, { maxLength: 6 }).map((ms) => ms.join(', '));
  const weightOf = (m: string) => Number(/;q=(.*)$/.exec(m)?.[1] ?? 1);
  const isGzip = (m: string) => ['gzip', 'x-gzip'].includes(m.split(';')[0].toLowerCase());

  it('answers gzip exactly when a gzip member has q > 0, or none names gzip and a * member has q > 0', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), (members) => {
        const named = members.filter(isGzip);
        const star = members.filter((m) => m.split(';')[0] === '*');
        const expected = named.length
          ? named.some((m) => weightOf(m) > 0)
          : star.some((m) => weightOf(m) > 0);
        expect(negotiateCoding(members.join(', '))).toBe(expected ? 'gzip' : 'identity');
      }),
    );
  });

  it('never answers gzip once every gzip member is refused, whatever else is listed', () => {
    fc.assert(
      fc.property(header, header, (before, after) => {
        const refused = [before, 'gzip;q=0', after].filter(Boolean).join(', ');
        const noGzipElsewhere = !/gzip/i.test(before + after);
        if (noGzipElsewhere) expect(negotiateCoding(refused)).toBe('identity');
      }),
    );
  });
});

describe('answerPage', () => {
  const page: ServedPage = {
    etag: '"wl-abc"',
    bodies: { identity: Buffer.from('{"items":[]}'), gzip: Buffer.from([0x1f, 0x8b, 1, 2]) },
  };

  it('names each representation with its own strong ETag', () => {
    expect(gzipETag('"wl-abc"')).toBe('"wl-abc-gzip"');
    expect(gzipETag('"wl-abc"')).not.toBe('"wl-abc"');
  });

  it('sends the identity bytes with Vary and no Content-Encoding', () => {
    expect(answerPage(page, undefined, 'br')).toEqual({
      status: 200,
      headers: {
        ETag: '"wl-abc"',
        'Cache-Control': 'private, no-cache',
        Vary: 'Accept-Encoding',
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': '12',
      },
      body: page.bodies!.identity,
    });
  });

  it('sends the gzip bytes with Content-Encoding, their length and the gzip ETag', () => {
    expect(answerPage(page, undefined, 'gzip, deflate')).toEqual({
      status: 200,
      headers: {
        ETag: '"wl-abc-gzip"',
        'Cache-Control': 'private, no-cache',
        Vary: 'Accept-Encoding',
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Encoding': 'gzip',
        'Content-Length': '4',
      },
      body: page.bodies!.gzip,
    });
  });

  it('answers 304 to either ETag, with the ETag of the representation this request would get', () => {
    for (const held of ['"wl-abc"', '"wl-abc-gzip"', 'W/"wl-abc-gzip"', '"x", "wl-abc"']) {
      expect(matchesEitherCoding(held, page.etag)).toBe(true);
      const bodiless = { ...page, bodies: null };
      expect(answerPage(bodiless, held, 'gzip')).toEqual({
        status: 304,
        headers: { ETag: '"wl-abc-gzip"', 'Cache-Control': 'private, no-cache', Vary: 'Accept-Encoding' },
      });
      expect(answerPage(page, held, undefined)?.headers.ETag).toBe('"wl-abc"');
    }
    expect(matchesEitherCoding('"wl-abc-br"', page.etag)).toBe(false);
    expect(answerPage(page, '"wl-other"', 'gzip')?.status).toBe(200);
  });

  it('has no answer when a body is due and only the ETag is known', () => {
    expect(answerPage({ etag: page.etag, bodies: null }, '"wl-other"', 'gzip')).toBeNull();
  });
});
