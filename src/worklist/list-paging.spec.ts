import fc from 'fast-check';
import { decodeCursor, encodeCursor, listETag, matchesIfNoneMatch } from './list-paging';

describe('list paging', () => {
  it('round-trips cursors and rejects junk', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 100_000 }), (rank) =>
        expect(decodeCursor(encodeCursor(rank))).toBe(rank),
      ),
    );
    expect(decodeCursor('not a cursor!')).toBeNull();
    expect(decodeCursor(Buffer.from('r:1; DROP').toString('base64url'))).toBeNull();
  });

  it('changes the ETag with the version and the variant, and matches If-None-Match weakly', () => {
    const t = { worklistId: 'w1', version: 3, customersAt: null, variant: 'full|open|50|' };
    const tag = listETag(t);
    expect(listETag({ ...t, version: 4 })).not.toBe(tag);
    expect(listETag({ ...t, variant: 'masked|open|50|' })).not.toBe(tag);
    expect(matchesIfNoneMatch(tag, tag)).toBe(true);
    expect(matchesIfNoneMatch(`"other", W/${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch('*', tag)).toBe(true);
    expect(matchesIfNoneMatch('"other"', tag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
  });
});
