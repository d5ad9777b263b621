import fc from 'fast-check';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { parseEvent } from '../../src/ingest/events/crm-event.schema';
import { PiiCipher } from '../../src/customers/pii/pii';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { SyncEvent } from '../../src/ingest/sync/sync-events';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t, WireEvent } from '../fake-crm/crm-events';
import { syncState } from '../fake-crm/sync-state';
import { useTestApp } from '../support/use-test-app';

/**
 * Any order and any duplication of the same events gives the same final state: applied through the real service
 * against the real database, once as one batch in the generated order and once shuffled, with duplicates, in
 * batches of random sizes. Small id spaces and few distinct timestamps make collisions (same record, same instant,
 * deletes racing updates, merges racing orders, orders before their customer) the common case.
 */
describe('record sync is order- and duplication-independent (property, PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let sync: RecordSyncService;
  let pii: PiiCipher;
  let n = 0;

  beforeAll(async () => {
    sync = nest.app.get(RecordSyncService);
    pii = nest.app.get(PII_CIPHER);
  });

  const time = fc.integer({ min: 0, max: 3 }).map(t);
  const customerId = fc.constantFrom('c1', 'c2', 'c3');
  const anyCustomer = fc.constantFrom('c1', 'c2', 'c3', 'c4'); // c4 is never created: its records stay parked

  const customerUpsert = fc
    .record({
      id: customerId,
      at: time,
      name: fc.constantFrom('Ann', 'Bo', null),
      email: fc.constantFrom('a@x.cn', 'b@x.cn', null),
      business: fc.boolean(),
      contacts: fc.subarray(['p1', 'p2']),
    })
    .map(({ id, at, name, email, business, contacts }) =>
      ev.customer(id, at, {
        name,
        email,
        kind: business ? 'business' : 'individual',
        contacts: business ? contacts.map((p) => ({ externalId: p, name: `${p}-${name}` })) : [],
      }),
    );
  const orderUpsert = fc
    .record({
      id: fc.constantFrom('o1', 'o2', 'o3'),
      customer: anyCustomer,
      at: time,
      amount: fc.constantFrom(100, 250),
      status: fc.constantFrom('paid', 'refunded'),
      lines: fc.subarray(['A', 'B']),
    })
    .map(({ id, customer, at, amount, status, lines }) =>
      ev.order(id, customer, at, {
        amountMinor: amount,
        status,
        lines: lines.map((code) => ({ productCode: code, quantity: 1, amountMinor: amount })),
      }),
    );
  const interaction = fc
    .record({
      id: fc.constantFrom('i1', 'i2'),
      customer: anyCustomer,
      at: time,
      score: fc.integer({ min: 0, max: 10 }),
    })
    .map(({ id, customer, at, score }) => ev.interaction(id, customer, at, { kind: 'survey', score }));
  // Each customer is merged away at most once, into a lower-numbered one: no cycles, no conflicting merges.
  const merges = fc
    .record({ c2: fc.option(time), c3: fc.option(fc.tuple(fc.constantFrom('c1', 'c2'), time)) })
    .map(({ c2, c3 }) => [
      ...(c2 ? [ev.merged('c1', 'c2', c2)] : []),
      ...(c3 ? [ev.merged(c3[0], 'c3', c3[1])] : []),
    ]);
  // Deletes and restores crowd onto two instants, so that a delete and a restore of the same moment are common.
  const lifeTime = fc.integer({ min: 1, max: 2 }).map(t);
  const lifecycle = fc.oneof(
    fc.tuple(customerId, lifeTime).map(([id, at]) => ev.customerDeleted(id, at)),
    fc.tuple(customerId, lifeTime).map(([id, at]) => ev.customerRestored(id, at)),
    fc.tuple(fc.constantFrom('o1', 'o2', 'o3'), lifeTime).map(([id, at]) => ev.orderDeleted(id, at)),
    fc.tuple(fc.constantFrom('o1', 'o2', 'o3'), lifeTime).map(([id, at]) => ev.orderRestored(id, at)),
  );
  const scenario = fc.record({
    events: fc
      .tuple(
        fc.array(
          fc.oneof(
            { weight: 3, arbitrary: customerUpsert },
            { weight: 3, arbitrary: orderUpsert },
            { weight: 1, arbitrary: interaction },
            { weight: 3, arbitrary: lifecycle },
          ),
          {
            minLength: 1,
            maxLength: 18,
          },
        ),
        merges,
      )
      .map(([a, m]) => [...a, ...m]),
    seed: fc.integer(),
  });

  const toSync = (wire: WireEvent[]): SyncEvent[] =>
    wire.map((w) => {
      const r = parseEvent(w);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.event;
    });

  it('ends in the same state whatever the order, duplication and batching', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ events, seed }) => {
        const ws = await nest.app.get(WorkspacesService).ensure({ slug: `prop-${++n}` });
        const ref = await nest.app.get(WorkspacesService).ensure({ slug: `prop-${++n}` });
        await sync.applyBatch(ref.id, 'crm', toSync(events));

        const rand = mulberry32(seed);
        const delivered = [...events, ...events.filter(() => rand() < 0.4)]; // some delivered twice
        for (let i = delivered.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [delivered[i], delivered[j]] = [delivered[j], delivered[i]];
        }
        for (let i = 0; i < delivered.length;) {
          const size = 1 + Math.floor(rand() * 4);
          await sync.applyBatch(ws.id, 'crm', toSync(delivered.slice(i, i + size)));
          i += size;
        }
        expect(await syncState(nest.db, ws.id, pii)).toEqual(await syncState(nest.db, ref.id, pii));
      }),
      { numRuns: 100 },
    );
  });
});

/** A small seeded PRNG (the permutation is derived from fast-check's seed, so failures replay). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
