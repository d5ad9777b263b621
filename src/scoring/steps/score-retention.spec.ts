import { backtestNote, isBacktest, worklistsNote } from './score-retention';

describe('isBacktest', () => {
  const live = { id: 'r1', asOf: '2011-12-09' };
  it('is a backtest only before the live snapshot’s day', () => {
    expect(isBacktest('2011-09-09', live)).toBe(true);
    expect(isBacktest('2011-12-08', live)).toBe(true);
    expect(isBacktest('2011-12-09', live)).toBe(false); // a rerun of the live day
    expect(isBacktest('2011-12-10', live)).toBe(false);
  });
  it('is never a backtest without a live snapshot', () => {
    expect(isBacktest('2011-09-09', null)).toBe(false);
  });
  it('compares days across months and years', () => {
    expect(isBacktest('2010-12-31', { id: 'r', asOf: '2011-01-01' })).toBe(true);
    expect(isBacktest('2011-10-01', { id: 'r', asOf: '2011-09-30' })).toBe(false);
  });
});

describe('backtestNote', () => {
  it('names the run, where to read it and the live run it left alone', () => {
    const note = backtestNote('b1', '2011-09-09', { id: 'r1', asOf: '2011-12-09' });
    expect(note).toContain('kept as run b1');
    expect(note).toContain('/v1/score-runs/b1/scores');
    expect(note).toContain('run r1 as of 2011-12-09');
    expect(note).toContain('no lists were published');
  });
});

describe('worklistsNote', () => {
  it('says nothing when no list of the day was published before', () => {
    expect(worklistsNote('2011-12-09', true, { lists: 0, runIds: [] })).toEqual({
      date: '2011-12-09',
      publishQueued: true,
      keptLists: 0,
      note: null,
    });
  });
  it('says the lists were kept and how to replace them', () => {
    const n = worklistsNote('2011-12-09', true, { lists: 12, runIds: ['r1'] });
    expect(n.keptLists).toBe(12);
    expect(n.note).toContain('12 call lists for 2011-12-09 were already published (from run r1)');
    expect(n.note).toContain('callplan publish --date 2011-12-09 --replace');
  });
  it('says so too when the run was told not to publish', () => {
    const n = worklistsNote('2011-12-09', false, { lists: 3, runIds: ['r1', 'r2'] });
    expect(n.publishQueued).toBe(false);
    expect(n.note).toMatch(/^call lists not published \(--no-publish\)/);
    expect(n.note).toContain('run r1, r2');
    expect(n.note).toContain('--replace');
  });
});
