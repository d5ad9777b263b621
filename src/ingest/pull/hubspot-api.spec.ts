import fc from 'fast-check';
import { parseEvent } from '../events/crm-event.schema';
import { hubspotInputSchema } from './hubspot-config';
import {
  batchFailures,
  coalesceUpdates,
  companyToWire,
  contactToWire,
  dealFilterGroups,
  dealToWire,
  objectSearchBody,
  parseCustomersCursor,
  primaryAssociations,
  formatCursor,
  HubSpotCursor,
  HubSpotObject,
  hubspotProperties,
  isMissingProperty,
  nextCursor,
  parseCursor,
  propertyValue,
  rateLimitHeaders,
  searchBody,
} from './hubspot-api';

const spec = hubspotInputSchema.parse({
  kind: 'hubspot',
  name: 'hs',
  auth: { privateAppToken: 'pat-na1-x' },
});
const cfg = spec.contacts;
const contact = (id: string, modified: string, props: Record<string, string | null> = {}): HubSpotObject => ({
  id,
  properties: { lastmodifieddate: modified, ...props },
});

describe('HubSpot configuration', () => {
  it("defaults to HubSpot's documented maxima and refuses more", () => {
    expect(spec).toMatchObject({
      baseUrl: 'https://api.hubapi.com',
      source: 'hubspot',
      contacts: { pageSize: 200 },
      limits: { requestsPerInterval: 100, intervalMs: 10_000, searchPerSecond: 4 },
      writeBack: { enabled: true, batchSize: 100 },
    });
    const r = hubspotInputSchema.safeParse({
      kind: 'hubspot',
      name: 'hs',
      auth: { privateAppToken: 'pat-na1-x' },
      contacts: { pageSize: 201 },
      writeBack: { batchSize: 101 },
      extra: true,
    });
    expect(r.success).toBe(false);
    if (!r.success) {
      expect(r.error.issues.map((i) => i.path.join('.')).sort()).toEqual([
        '',
        'contacts.pageSize',
        'writeBack.batchSize',
      ]);
    }
  });
});

type Filter = { propertyName: string; operator: string; value: string };
type Body = {
  filterGroups: Array<{ filters: Filter[] }>;
  sorts: Array<{ propertyName: string }>;
  limit: number;
};

/** HubSpot's search over `held` (id → lastmodifieddate ms) for a request body: filters, one sort (ties by id). */
function search(held: Map<string, number>, body: Body): HubSpotObject[] {
  const value = (id: string, p: string) => (p === 'hs_object_id' ? Number(id) : (held.get(id) as number));
  const ok = (id: string, f: Filter) => {
    const v = value(id, f.propertyName);
    const w = Number(f.value);
    return { EQ: v === w, GT: v > w, GTE: v >= w }[f.operator as 'EQ' | 'GT' | 'GTE'];
  };
  const sort = body.sorts[0].propertyName;
  return [...held.keys()]
    .filter((id) => body.filterGroups.every((g) => g.filters.every((f) => ok(id, f))))
    .sort((a, b) => value(a, sort) - value(b, sort) || Number(a) - Number(b))
    .slice(0, body.limit)
    .map((id) => contact(id, new Date(held.get(id) as number).toISOString()));
}

describe('contacts search and its watermark', () => {
  it('asks from the watermark, oldest first, with the mapped properties; a tie by id', () => {
    const start = parseCursor(null);
    expect(searchBody(cfg, start)).toEqual({
      filterGroups: [],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      properties: expect.arrayContaining(['email', 'firstname', 'lastname', 'lastmodifieddate']),
      limit: 200,
    });
    expect(searchBody(cfg, { ...start, since: 1000 })).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '1000' }] }],
    });
    expect(searchBody(cfg, { since: 1000, strict: false, tie: true, afterId: '77' })).toMatchObject({
      filterGroups: [
        {
          filters: [
            { propertyName: 'lastmodifieddate', operator: 'EQ', value: '1000' },
            { propertyName: 'hs_object_id', operator: 'GT', value: '77' },
          ],
        },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
    });
    expect(parseCursor('{"since":"x"}')).toEqual(start);
    expect(parseCursor('garbage')).toEqual(start);
  });

  it('moves the watermark to the newest instant of a full page; pages a tie by id; ends on a short page', () => {
    const small = { ...cfg, pageSize: 2 };
    const t = (s: number) => new Date(s * 1000).toISOString();
    const at = (since: number) => ({ since, strict: false, tie: false, afterId: null });
    expect(nextCursor(parseCursor(null), [contact('1', t(1)), contact('2', t(2))], small)).toEqual({
      next: at(2000),
      done: false,
    });
    const tie = { since: 2000, strict: false, tie: true, afterId: null };
    expect(nextCursor(at(2000), [contact('2', t(2)), contact('3', t(2))], small)).toEqual({
      next: tie,
      done: false,
    });
    expect(nextCursor(tie, [contact('2', t(2)), contact('3', t(2))], small)).toEqual({
      next: { ...tie, afterId: '3' },
      done: false,
    });
    expect(nextCursor({ ...tie, afterId: '3' }, [contact('9', t(2))], small)).toEqual({
      next: { since: 2000, strict: true, tie: false, afterId: null },
      done: false,
    });
    expect(nextCursor(at(2000), [contact('4', t(3))], small)).toEqual({ next: at(3000), done: true });
    expect(nextCursor(at(3000), [], small)).toEqual({ next: at(3000), done: true });
  });

  it('reads every record in its final version while records change during the pull (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 0, maxLength: 120 }),
        fc.integer({ min: 1, max: 25 }),
        // between pages, a HubSpot user may change a record: it moves to "now", later than every instant so far
        // (a change within the very millisecond of a tie the pull is paging through is the documented gap)
        fc.array(fc.option(fc.tuple(fc.nat(), fc.constant(false)), { nil: null }), { maxLength: 40 }),
        (stamps, pageSize, edits) => {
          const held = new Map(stamps.map((s, i) => [String(i + 1), s * 1000]));
          const small = { ...cfg, pageSize };
          let cursor: HubSpotCursor = parseCursor(null);
          const lastSeen = new Map<string, number>();
          let calls = 0;
          for (let step = 0; ; step++) {
            const page = search(held, searchBody(small, cursor) as unknown as Body);
            calls++;
            page.forEach((r) => lastSeen.set(r.id, Date.parse(r.properties.lastmodifieddate as string)));
            const moved = nextCursor(cursor, page, small);
            cursor = parseCursor(formatCursor(moved.next));
            const edit = edits[step];
            if (edit && held.size > 0) {
              const id = String((edit[0] % held.size) + 1);
              const newest = Math.max(...held.values());
              held.set(id, edit[1] ? newest : newest + 1000);
            }
            if (moved.done && !edit) break;
            expect(calls).toBeLessThan(500);
          }
          for (const [id, t] of held) expect([id, lastSeen.get(id)]).toEqual([id, t]);
        },
      ),
    );
  });
});

describe('a contact as a sync event', () => {
  it('maps names, ISO countries only, and instants; the event passes the webhook schema', () => {
    const wire = contactToWire(
      contact('42', '2026-01-02T03:04:05.678Z', {
        firstname: ' Ada ',
        lastname: 'Lovelace',
        email: 'ada@example.com',
        country: 'Germany',
        createdate: '1700000000000',
      }),
      cfg,
    );
    expect(wire).toEqual({
      type: 'customer.upserted',
      data: expect.objectContaining({
        externalId: '42',
        kind: 'individual',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        country: null,
        updatedAt: '2026-01-02T03:04:05.678Z',
        createdAt: new Date(1_700_000_000_000).toISOString(),
      }),
    });
    expect(parseEvent(wire).ok).toBe(true);
    expect(contactToWire(contact('1', '2026-01-01T00:00:00Z', { country: 'de' }), cfg).data.country).toBe(
      'de',
    );
  });
});

describe('write-back inputs', () => {
  it('turns Callplan values into HubSpot property values', () => {
    expect(propertyValue(null)).toBe('');
    expect(propertyValue(0.42)).toBe('0.42');
    expect(propertyValue(['a', 'b'])).toBe('a;b');
    expect(propertyValue({ amountMinor: 1923200, currency: 'CNY' })).toBe('19232.00');
    expect(propertyValue({ amountMinor: 1500, currency: 'JPY' })).toBe('1500');
    expect(propertyValue('2026-12-09')).toBe('2026-12-09');
  });

  it('keeps the newest values per record over a window of events, keyed by the mapped id', () => {
    const fields = { externalId: 'hs_id', tier: 'callplan_tier' };
    const updates = coalesceUpdates([
      {
        fields,
        customers: [
          { hs_id: '1', callplan_tier: 'core' },
          { hs_id: '2', callplan_tier: 'watch' },
        ],
      },
      { fields, customers: [{ hs_id: '1', callplan_tier: 'growth' }, { callplan_tier: 'no id' }] },
    ]);
    expect([...updates]).toEqual([
      ['2', { callplan_tier: 'watch' }],
      ['1', { callplan_tier: 'growth' }],
    ]);
    expect(hubspotProperties({ a: null, b: 2, c: ['x', 'y'] })).toEqual({ a: '', b: '2', c: 'x;y' });
  });

  it('reads the refused records of a 207 and recognises a missing property', () => {
    expect(
      batchFailures({
        status: 'COMPLETE',
        results: [],
        numErrors: 1,
        errors: [
          { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['7', '8'] } },
        ],
      }),
    ).toEqual([{ ids: ['7', '8'], code: 'OBJECT_NOT_FOUND', message: 'gone' }]);
    expect(batchFailures({ status: 'COMPLETE', results: [] })).toEqual([]);
    expect(isMissingProperty({ errors: [{ code: 'PROPERTY_DOESNT_EXIST' }] })).toBe(true);
    expect(
      isMissingProperty({ errors: [{ code: 'INVALID_FLOAT' }], message: '1.2.3 was not a valid number' }),
    ).toBe(false);
  });

  it('reads the rate-limit headers only when all three are there', () => {
    const h = (o: Record<string, string>) => (n: string) => o[n] ?? null;
    expect(
      rateLimitHeaders(
        h({
          'x-hubspot-ratelimit-max': '190',
          'x-hubspot-ratelimit-remaining': '12',
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
        }),
      ),
    ).toEqual({ max: 190, remaining: 12, intervalMs: 10_000 });
    expect(rateLimitHeaders(h({ 'x-hubspot-ratelimit-max': '190' }))).toBeNull();
  });
});

describe('HubSpot companies and deals', () => {
  const full = hubspotInputSchema.parse({
    kind: 'hubspot',
    name: 'hs',
    auth: { privateAppToken: 'pat-na1-x' },
    companies: { enabled: true },
    deals: { enabled: true, wonStages: ['closedwon', 'Won_Custom'], currency: 'EUR' },
  });

  it('defaults to contacts only; companies and deals validated like contacts', () => {
    expect(spec.companies).toMatchObject({ enabled: false, pageSize: 200 });
    expect(spec.deals).toMatchObject({ enabled: false, wonStages: ['closedwon'], customer: 'contacts' });
    for (const bad of [
      { deals: { wonStages: [] } },
      { deals: { currency: 'eur' } },
      { deals: { customer: 'tickets' } },
      { companies: { pageSize: 201 } },
      { companies: { fields: { name: 'Name' } } },
      { companies: { colour: 'red' } },
    ]) {
      const r = hubspotInputSchema.safeParse({
        kind: 'hubspot',
        name: 'hs',
        auth: { privateAppToken: 'pat-na1-x' },
        ...bad,
      });
      expect(r.success).toBe(false);
    }
  });

  it('searches won deals, and deals in a cancelled stage that were won before, each group under the cursor', () => {
    const groups = dealFilterGroups(full.deals);
    const won = [{ propertyName: 'dealstage', operator: 'IN', values: ['closedwon', 'won_custom'] }];
    const undone = [
      { propertyName: 'dealstage', operator: 'IN', values: ['closedlost'] },
      { propertyName: 'hs_date_entered_closedwon', operator: 'HAS_PROPERTY' },
      { propertyName: 'amount', operator: 'GTE', value: '0' },
    ];
    expect(groups).toEqual([won, undone]);
    const start = parseCursor(null);
    expect(objectSearchBody(full.deals, start, ['amount'], groups)).toMatchObject({
      filterGroups: [{ filters: won }, { filters: undone }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
    });
    const tie = objectSearchBody(
      full.deals,
      { since: 5, strict: false, tie: true, afterId: '9' },
      [],
      groups,
    );
    const keyset = [
      { propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: '5' },
      { propertyName: 'hs_object_id', operator: 'GT', value: '9' },
    ];
    expect(tie.filterGroups).toEqual([{ filters: [...keyset, ...won] }, { filters: [...keyset, ...undone] }]);
    // HubSpot's limits: at most 5 groups, 6 filters per group, 18 in all
    const all = (tie.filterGroups as Array<{ filters: unknown[] }>).map((g) => g.filters.length);
    expect(Math.max(...all)).toBeLessThanOrEqual(6);
    expect(all.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(18);
    // without cancelled stages (or the won-entered property) only won deals are read
    const wonOnly = hubspotInputSchema.parse({
      kind: 'hubspot',
      name: 'hs',
      auth: { privateAppToken: 'pat-na1-x' },
      deals: { enabled: true, cancelledStages: [] },
    });
    expect(dealFilterGroups(wonOnly.deals)).toHaveLength(1);
    // a contacts search keeps its single group
    expect(
      objectSearchBody(full.deals, { since: 5, strict: true, tie: false, afterId: null }, []),
    ).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GT', value: '5' }] }],
    });
  });

  it('maps a refund deal to a reversal and a won deal moved to a cancelled stage to a cancelled order', () => {
    const withLink = hubspotInputSchema.parse({
      kind: 'hubspot',
      name: 'hs',
      auth: { privateAppToken: 'pat-na1-x' },
      deals: { enabled: true, currency: 'GBP', fields: { reverses: 'refunded_deal_id' } },
    });
    const deal = (properties: Record<string, string | null>) => ({
      id: '21',
      customerExternalId: '3',
      properties: { hs_lastmodifieddate: '2026-02-01T00:00:00Z', closedate: '2026-01-15', ...properties },
    });
    const refund = dealToWire(
      deal({ dealstage: 'closedwon', amount: '-1684.60', refunded_deal_id: '20' }),
      withLink.deals,
    );
    expect(refund.data).toMatchObject({
      externalId: '21',
      amountMinor: 168460,
      status: 'refunded',
      reversal: true,
      reverses: '20',
    });
    expect(parseEvent(refund).ok).toBe(true);
    // no link configured (or none given): a reversal scoring matches to the customer's order
    const unlinked = dealToWire(deal({ dealstage: 'closedwon', amount: '-5' }), full.deals).data;
    expect(unlinked).toMatchObject({ amountMinor: 500, status: 'refunded', reversal: true });
    expect(unlinked).not.toHaveProperty('reverses');
    const cancelled = dealToWire(
      deal({ dealstage: 'ClosedLost', amount: '1684.60', hs_date_entered_closedwon: '1767225600000' }),
      full.deals,
    );
    expect(cancelled.data).toMatchObject({ externalId: '21', amountMinor: 168460, status: 'cancelled' });
    expect(cancelled.data).not.toHaveProperty('reversal');
    expect(parseEvent(cancelled).ok).toBe(true);
    // a refund deal in a cancelled stage is no order: refused, never netted as a credit note
    const undone = parseEvent(
      dealToWire(
        deal({ dealstage: 'closedlost', amount: '-5', hs_date_entered_closedwon: '1767225600000' }),
        full.deals,
      ),
    );
    expect(undone.ok ? [] : undone.issues.map((i) => i.code)).toEqual(['reversal_conflict']);
    // a won deal keeps the shape it had: no reversal keys
    expect(dealToWire(deal({ dealstage: 'closedwon', amount: '3' }), full.deals).data).not.toHaveProperty(
      'reversal',
    );
  });

  it('maps a company to a business customer with its own id space, named by its domain when nameless', () => {
    const wire = companyToWire(
      {
        id: '7',
        properties: {
          hs_lastmodifieddate: '1767225600000',
          name: ' ',
          domain: 'beta.io',
          country: 'Germany',
        },
      },
      full.companies,
    );
    expect(wire.data).toMatchObject({
      externalId: 'company-7',
      kind: 'business',
      name: 'beta.io',
      country: null,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(parseEvent(wire).ok).toBe(true);
  });

  it('maps a won deal to a paid order in minor units, the default currency when it has no code', () => {
    const deal = (amount: string, code: string | null) => ({
      id: '11',
      customerExternalId: '3',
      properties: {
        hs_lastmodifieddate: '2026-02-01T00:00:00Z',
        amount,
        deal_currency_code: code,
        closedate: '2026-01-15',
      },
    });
    expect(dealToWire(deal('1234.5', 'USD'), full.deals).data).toMatchObject({
      externalId: '11',
      customerExternalId: '3',
      amountMinor: 123450,
      currency: 'USD',
      placedAt: '2026-01-15T00:00:00.000Z',
      status: 'paid',
    });
    expect(dealToWire(deal('700', 'JPY'), full.deals).data).toMatchObject({
      amountMinor: 700,
      currency: 'JPY',
    });
    expect(dealToWire(deal('9.99', null), full.deals).data).toMatchObject({
      amountMinor: 999,
      currency: 'EUR',
    });
    // an unreadable amount and a deal without a customer are refused by the event schema, not guessed
    expect(parseEvent(dealToWire(deal('lots', 'USD'), full.deals)).ok).toBe(false);
    expect(parseEvent(dealToWire({ ...deal('1', 'USD'), customerExternalId: null }, full.deals)).ok).toBe(
      false,
    );
  });

  it("reads each deal's customer from a v4 associations batch: primary first, else the lowest id", () => {
    const found = primaryAssociations({
      status: 'COMPLETE',
      results: [
        { from: { id: '1' }, to: [{ toObjectId: 30, associationTypes: [{ typeId: 3 }] }, { toObjectId: 4 }] },
        {
          from: { id: '2' },
          to: [
            { toObjectId: 9, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 341, label: null }] },
            {
              toObjectId: '12',
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' }],
            },
          ],
        },
      ],
      errors: [{ category: 'OBJECT_NOT_FOUND', context: { fromObjectId: ['3'] } }],
    });
    expect(found && Object.fromEntries(found)).toEqual({ '1': '4', '2': '12' });
    expect(primaryAssociations({ results: 'nope' })).toBeNull();
  });

  it('reads a contacts-only cursor stored before companies were pulled', () => {
    const legacy = formatCursor({ since: 5, strict: true, tie: false, afterId: null });
    expect(parseCustomersCursor(legacy)).toEqual({
      contacts: { since: 5, strict: true, tie: false, afterId: null },
      companies: parseCursor(null),
    });
    const both = JSON.stringify({
      contacts: parseCursor(legacy),
      companies: { since: 9, strict: false, tie: true, afterId: '3' },
    });
    expect(parseCustomersCursor(both).companies).toEqual({
      since: 9,
      strict: false,
      tie: true,
      afterId: '3',
    });
    expect(parseCustomersCursor(null)).toEqual({ contacts: parseCursor(null), companies: parseCursor(null) });
  });
});
