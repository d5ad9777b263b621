import {
  chooseImportPath,
  DEFAULT_IMPORT_PATH_THRESHOLDS,
  estimateRows,
  existingRowsCap,
} from './import-path';

describe('chooseImportPath', () => {
  const t = { minRows: 1000, nearlyEmpty: 100, share: 0.5 };

  it('goes bulk for a big import into an empty or nearly empty workspace', () => {
    expect(chooseImportPath({ incomingRows: 1000, existingRows: 0 }, t).path).toBe('bulk');
    expect(chooseImportPath({ incomingRows: 1000, existingRows: 100 }, t).path).toBe('bulk');
  });

  it('goes bulk when the import is at least the share of the existing rows, incremental below it', () => {
    expect(chooseImportPath({ incomingRows: 5000, existingRows: 10_000 }, t).path).toBe('bulk');
    expect(chooseImportPath({ incomingRows: 4999, existingRows: 10_000 }, t).path).toBe('incremental');
    expect(chooseImportPath({ incomingRows: 1000, existingRows: 101 }, t).path).toBe('bulk');
  });

  it('keeps small imports and imports of unknown size incremental, even into an empty workspace', () => {
    expect(chooseImportPath({ incomingRows: 999, existingRows: 0 }, t)).toEqual({
      path: 'incremental',
      reason: 'about 999 rows, fewer than 1000',
    });
    expect(chooseImportPath({ incomingRows: null, existingRows: 0 }, t).path).toBe('incremental');
  });

  it('says why', () => {
    expect(chooseImportPath({ incomingRows: 3000, existingRows: 10_000 }, t).reason).toBe(
      'about 3000 rows, less than 50 % of the 10000 there',
    );
  });

  it('defaults: 9.9M orders into an empty workspace are bulk, a nightly 50k-row delta is not', () => {
    expect(chooseImportPath({ incomingRows: 9_878_932, existingRows: 0 }).path).toBe('bulk');
    expect(chooseImportPath({ incomingRows: 50_000, existingRows: 9_878_932 }).path).toBe('incremental');
    expect(chooseImportPath({ incomingRows: 5_000_000, existingRows: 9_878_932 }).path).toBe('bulk');
  });
});

describe('existingRowsCap', () => {
  const t = DEFAULT_IMPORT_PATH_THRESHOLDS;

  it('is the first count at which the choice can no longer be bulk', () => {
    for (const incoming of [200_000, 1_000_000, 9_878_932]) {
      const cap = existingRowsCap(incoming, t);
      expect(chooseImportPath({ incomingRows: incoming, existingRows: cap - 1 }, t).path).toBe('bulk');
      expect(chooseImportPath({ incomingRows: incoming, existingRows: cap }, t).path).toBe('incremental');
    }
  });

  it('counts at least past "nearly empty"', () => {
    expect(existingRowsCap(10, t)).toBe(t.nearlyEmpty + 1);
  });
});

describe('estimateRows', () => {
  it('scales the rows parsed so far to the whole file, exact at its end', () => {
    expect(estimateRows(350_000, 24_000_000, 240_000_000)).toBe(3_500_000);
    expect(estimateRows(1_000, 5_000, 5_000)).toBe(1_000);
    expect(estimateRows(1_000, 6_000, 5_000)).toBe(1_000);
  });

  it('is unknown without a size', () => {
    expect(estimateRows(1_000, 5_000, 0)).toBeNull();
    expect(estimateRows(0, 0, 5_000)).toBeNull();
  });
});
