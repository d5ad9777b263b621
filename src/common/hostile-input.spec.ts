import fc from 'fast-check';
import {
  badCharacter,
  findHostileInput,
  findTooDeep,
  formatInputPath,
  MAX_JSON_DEPTH,
  parseJsonBody,
} from './hostile-input';

const body = (text: string | Buffer) => (Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

describe('badCharacter', () => {
  it.each([
    ['a\u0000b', /NUL \(U\+0000\) at character 2/],
    ['\ud800', /lone surrogate U\+D800 at character 1/],
    ['x\udc00', /lone surrogate U\+DC00 at character 2/],
    ['ok\ud83d', /lone surrogate U\+D83D at character 3/],
    ['\ufffd', /U\+FFFD \(replacement character\)/],
  ])('refuses %j', (s, why) => {
    expect(badCharacter(s)).toMatch(why);
  });

  it.each(['', 'Café Müller', '北京安泰', '😀 pair', '\t\n', '\uffff'])('accepts %j', (s) => {
    expect(badCharacter(s)).toBeNull();
  });
});

describe('formatInputPath', () => {
  it('writes indexes in brackets and odd keys JSON-quoted', () => {
    expect(formatInputPath(['events', 3, 'data', 'name'])).toBe('events[3].data.name');
    expect(formatInputPath(['a b', 'x\u0000'])).toBe('["a b"]["x\\u0000"]');
    expect(formatInputPath([])).toBe('');
  });
});

describe('findTooDeep', () => {
  it('finds the first container past the limit, with its path, without recursion', () => {
    expect(findTooDeep('{"a":[1,{"b":[[[]]]}]}', 4)).toBe('a[1].b[0]');
    expect(findTooDeep('{"a":[1,{"b":[[[]]]}]}', 5)).toBe('a[1].b[0][0]');
    expect(findTooDeep('{"a":[1,{"b":[[[]]]}]}', 6)).toBeNull();
    expect(findTooDeep('{"k\\"}":{"x":[]}}', 2)).toBe('["k\\"}"].x');
    expect(findTooDeep('["[[[[", "{{{{"]', 1)).toBeNull();
    const n = 500_000;
    expect(findTooDeep('['.repeat(n) + ']'.repeat(n))).toBe('[0]'.repeat(MAX_JSON_DEPTH));
  });
});

describe('parseJsonBody', () => {
  it('parses valid JSON', () => {
    expect(parseJsonBody(body('{"a":[1,"Café 北京 😀"]}'))).toEqual({
      ok: true,
      value: { a: [1, 'Café 北京 😀'] },
    });
    expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body('{"a":1}')])).ok).toBe(true);
  });

  it('reports malformed JSON with line and column', () => {
    expect(parseJsonBody(body('{\n  "a": 1,\n}'))).toMatchObject({
      ok: false,
      code: 'malformed_json',
      details: { line: 3, column: 1 },
    });
    expect(parseJsonBody(body('{"a":'))).toMatchObject({ ok: false, code: 'malformed_json' });
    expect(parseJsonBody(body('"just a string"'))).toMatchObject({ ok: false, code: 'malformed_json' });
    // a raw NUL byte is not allowed in JSON text at all
    expect(parseJsonBody(body('{"a":"x\u0000"}'))).toMatchObject({ ok: false, code: 'malformed_json' });
  });

  it('refuses NUL, lone surrogates and U+FFFD with their paths', () => {
    const r = parseJsonBody(
      body(
        '{"events":[{"data":{"name":"a\\u0000"}},{"data":{"tags":["\\ud800"],"n\\u0000":1,"r":"\ufffd"}}]}',
      ),
    );
    expect(r).toMatchObject({
      ok: false,
      code: 'invalid_characters',
      details: [
        { path: 'events[0].data.name', reason: expect.stringMatching(/NUL/) },
        { path: 'events[1].data.tags[0]', reason: expect.stringMatching(/lone surrogate U\+D800/) },
        { path: 'events[1].data["n\\u0000"]', reason: expect.stringMatching(/^field name contains NUL/) },
        { path: 'events[1].data.r', reason: expect.stringMatching(/U\+FFFD/) },
      ],
    });
  });

  it('refuses bytes that are not UTF-8 at the path of the string that holds them', () => {
    const latin1 = Buffer.concat([body('{"name":"Caf'), Buffer.from([0xe9]), body('"}')]);
    expect(parseJsonBody(latin1)).toMatchObject({
      ok: false,
      code: 'invalid_characters',
      details: [{ path: 'name', reason: expect.stringMatching(/not UTF-8/) }],
    });
  });

  it('refuses nesting past the limit before parsing it', () => {
    const n = 400_000;
    expect(parseJsonBody(body('{"a":' + '['.repeat(n) + ']'.repeat(n) + '}'))).toMatchObject({
      ok: false,
      code: 'too_deep',
      details: [{ path: `a${'[0]'.repeat(MAX_JSON_DEPTH - 1)}` }],
    });
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(parseJsonBody(body(ok)).ok).toBe(true);
    expect(parseJsonBody(body(`[${ok}]`))).toMatchObject({ ok: false, code: 'too_deep' });
  });
});

/** A JSON value with the path of every place a string (or key) sits, to plant something there. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Paths of every container (where a child can be added). */
function containers(v: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  if (v !== null && typeof v === 'object') {
    out.push(path);
    if (Array.isArray(v)) v.forEach((c, i) => containers(c, [...path, i], out));
    else for (const [k, c] of Object.entries(v)) containers(c, [...path, k], out);
  }
  return out;
}

function at(root: unknown, path: Array<string | number>): Record<string | number, unknown> {
  let v = root as Record<string | number, unknown>;
  for (const p of path) v = v[p] as Record<string | number, unknown>;
  return v;
}

const clean = (v: unknown) => findHostileInput(v, { maxDepth: 1000 }) === null;

describe('parseJsonBody over random JSON (property)', () => {
  const root = fc.dictionary(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), jsonValue, { maxKeys: 4 });

  it('accepts clean JSON as JSON.parse reads it', () => {
    fc.assert(
      fc.property(root, (v) => {
        fc.pre(clean(v) && findTooDeep(JSON.stringify(v)) === null);
        expect(parseJsonBody(body(JSON.stringify(v)))).toEqual({ ok: true, value: v });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a bad character planted anywhere, naming where', () => {
    const bad = fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufffd');
    fc.assert(
      fc.property(
        root,
        fc.nat(),
        bad,
        fc.string({ maxLength: 3 }),
        fc.boolean(),
        (v, pick, ch, pad, asKey) => {
          fc.pre(clean(v));
          const spots = containers(v);
          const path = spots[pick % spots.length];
          const parent = at(v, path);
          let expected: string;
          if (Array.isArray(parent)) {
            parent.push(pad + ch);
            expected = formatInputPath([...path, parent.length - 1]);
          } else if (asKey) {
            const key = `k${ch}${pad}`;
            parent[key] = 1;
            expected = formatInputPath([...path, key]);
          } else {
            parent.planted = pad + ch;
            expected = formatInputPath([...path, 'planted']);
          }
          const r = parseJsonBody(body(JSON.stringify(v as Json)), { maxDepth: 1000 });
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.code).toBe('invalid_characters');
          expect((r.details as Array<{ path: string }>).map((d) => d.path)).toContain(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses nesting past the limit anywhere, naming where', () => {
    fc.assert(
      fc.property(root, fc.nat(), fc.integer({ min: 1, max: 200 }), (v, pick, extra) => {
        fc.pre(clean(v) && findTooDeep(JSON.stringify(v)) === null);
        const spots = containers(v);
        const path = spots[pick % spots.length];
        const parent = at(v, path);
        const levels = MAX_JSON_DEPTH - path.length + extra - 1; // the new child then reaches past the limit
        const deep = JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown;
        let childPath: Array<string | number>;
        if (Array.isArray(parent)) {
          parent.push(deep);
          childPath = [...path, parent.length - 1];
        } else {
          parent.deep = deep;
          childPath = [...path, 'deep'];
        }
        const r = parseJsonBody(body(JSON.stringify(v)));
        expect(r).toMatchObject({ ok: false, code: 'too_deep' });
        if (r.ok) return;
        const tooDeep = [...childPath, ...Array<number>(MAX_JSON_DEPTH - childPath.length).fill(0)];
        expect((r.details as Array<{ path: string }>)[0].path).toBe(formatInputPath(tooDeep));
      }),
      { numRuns: 200 },
    );
  });
});
