import fc from 'fast-check';
import { scrubCustomers } from './payload-scrub';

const erased = new Set(['C-1']);

describe('scrubCustomers', () => {
  it('replaces the erased customer’s list item and keeps the others', () => {
    const payload = {
      type: 'worklist.published',
      timestamp: '2026-12-06T07:00:00Z',
      data: {
        rep: 'rep-1',
        items: [
          { rank: 1, customer: 'C-1', talkTrack: 'Hello Ms Erased' },
          { rank: 2, customer: 'C-2', talkTrack: 'Hello Mr Kept' },
        ],
      },
    };
    const r = scrubCustomers(payload, erased);
    expect(r.changed).toBe(true);
    expect(r.payload).toEqual({
      ...payload,
      data: {
        rep: 'rep-1',
        items: [{ erased: true }, { rank: 2, customer: 'C-2', talkTrack: 'Hello Mr Kept' }],
      },
    });
    expect(JSON.stringify(r.payload)).not.toContain('Erased');
  });

  it('handles the outcome, assignment and write-back shapes', () => {
    const outcome = scrubCustomers(
      { type: 'worklist.outcome_recorded', data: { customer: 'C-1', notes: 'x' } },
      erased,
    );
    expect(outcome.payload).toEqual({ type: 'worklist.outcome_recorded', data: { erased: true } });
    const moved = scrubCustomers(
      { data: { changes: [{ customer: { source: 'crm', externalId: 'C-1' }, from: 'a', to: 'b' }] } },
      erased,
    );
    expect(moved.payload).toEqual({ data: { changes: [{ erased: true }] } });
    const wb = scrubCustomers(
      { data: { customers: [{ externalId: 'C-1', tier: 'A' }, { externalId: 'C-3' }] } },
      erased,
    );
    expect(wb.payload).toEqual({ data: { customers: [{ erased: true }, { externalId: 'C-3' }] } });
  });

  it('leaves a payload without the customer untouched (same object, unchanged)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        fc.pre(!text.includes('C-1'));
        const r = scrubCustomers(v, erased);
        return !r.changed && r.payload === v;
      }),
    );
  });

  it('never leaves the erased id anywhere a customer is named', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ customer: fc.constantFrom('C-1', 'C-2'), note: fc.string() })),
        (items) => {
          const r = scrubCustomers({ data: { items } }, erased);
          return !JSON.stringify(r.payload).includes('"C-1"');
        },
      ),
    );
  });
});
