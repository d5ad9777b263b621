import fc from 'fast-check';
import { keepIncumbent } from './incumbent';

const SHARE = 0.05;

const label = (m: string) => m.toUpperCase();

describe('keepIncumbent', () => {
  const usable = [
    { model: 'a', meanMae: 1.0 },
    { model: 'b', meanMae: 1.04 },
    { model: 'c', meanMae: 1.2 },
  ];

  it('keeps the previous run’s model while it is within the switch share of the best, and says so', () => {
    const r = keepIncumbent('a', 'b', usable, label, SHARE);
    expect(r.chosen).toBe('b');
    expect(r.note).toContain('kept B');
  });

  it('lets a clearly better model replace it, and says which it replaced', () => {
    const r = keepIncumbent('a', 'c', usable, label, SHARE);
    expect(r.chosen).toBe('a');
    expect(r.note).toContain('replaces C');
  });

  it('changes nothing without a previous model, when it is the night’s pick, or when it is not usable', () => {
    expect(keepIncumbent('a', null, usable, label, SHARE)).toEqual({ chosen: 'a', note: '' });
    expect(keepIncumbent('a', 'a', usable, label, SHARE)).toEqual({ chosen: 'a', note: '' });
    expect(keepIncumbent('a', 'd', usable, label, SHARE)).toEqual({ chosen: 'a', note: '' });
    expect(
      keepIncumbent('a', 'b', [...usable.slice(0, 1), { model: 'b', meanMae: NaN }], label, SHARE).chosen,
    ).toBe('a');
  });

  it('never keeps a model more than the switch share behind, never drops one within it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 2, maxLength: 5 }),
        fc.nat(),
        (maes, pick) => {
          const models = maes.map((meanMae, i) => ({ model: `m${i}`, meanMae }));
          const best = Math.min(...maes);
          const night = models.find((m) => m.meanMae === best)!.model;
          const incumbent = models[pick % models.length];
          const r = keepIncumbent(night, incumbent.model, models, label, SHARE);
          const within = incumbent.meanMae <= best * (1 + SHARE);
          expect(r.chosen).toBe(within ? incumbent.model : night);
        },
      ),
    );
  });
});
