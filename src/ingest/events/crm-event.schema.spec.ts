import { formatPath, parseEvent, parseEventBatch } from './crm-event.schema';

const now = new Date('2026-06-01T00:00:00Z');

describe('CRM event schema', () => {
  it('normalises a customer upsert (emails, phones, country, contacts sorted)', () => {
    const r = parseEvent(
      {
        type: 'customer.upserted',
        data: {
          externalId: ' c1 ',
          updatedAt: '2026-05-01T08:00:00+08:00',
          kind: 'business',
          email: 'Li.Wei@Example.CN',
          phone: '138 0013 8000',
          country: 'cn',
          contacts: [
            { externalId: 'p2', email: 'bad' },
            { externalId: 'p1', phone: '13900139000' },
          ],
        },
      },
      now,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      type: 'customer.upserted',
      data: {
        externalId: 'c1',
        updatedAt: '2026-05-01T00:00:00.000Z',
        email: 'li.wei@example.cn',
        phone: '+8613800138000',
        country: 'CN',
        name: null,
        contacts: [
          { externalId: 'p1', phone: '+8613900139000', email: null },
          { externalId: 'p2', email: null },
        ],
      },
    });
    expect(r.warnings).toEqual([
      expect.objectContaining({ path: 'data.contacts[0].email', code: 'email_dropped' }),
    ]);
  });

  it('reports every problem of a batch with its path and code', () => {
    const r = parseEventBatch(
      {
        events: [
          {
            type: 'order.upserted',
            data: {
              externalId: 'o',
              customerExternalId: 'c',
              updatedAt: '2026-01-01',
              placedAt: '2026-01-01',
              amountMinor: 1.5,
              currency: 'cny',
            },
          },
          {
            type: 'customer.merged',
            data: { winnerExternalId: 'a', loserExternalId: 'a', mergedAt: '2026-01-01' },
          },
          {
            type: 'customer.upserted',
            data: { externalId: 'c', updatedAt: '2026-01-01', contacts: [{ externalId: 'p' }] },
          },
          { type: 'order.deleted', data: { externalId: 'o' } },
        ],
      },
      { now },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.path, i.code])).toEqual([
      ['events[0].data.amountMinor', 'invalid_type'],
      ['events[1].data.loserExternalId', 'custom'],
      ['events[2].data.contacts', 'contacts_need_business'],
      ['events[3].data.deletedAt', 'required'],
    ]);
  });

  it('accepts lower-case currencies and knows minor-unit exponents for the absurd-amount limit', () => {
    const jpy = parseEvent(
      {
        type: 'order.upserted',
        data: {
          externalId: 'o',
          customerExternalId: 'c',
          updatedAt: '2026-01-01',
          placedAt: '2026-01-01',
          amountMinor: 100_000_001,
          currency: 'jpy',
        },
      },
      now,
    );
    expect(jpy.ok).toBe(false);
    const cny = parseEvent(
      {
        type: 'order.upserted',
        data: {
          externalId: 'o',
          customerExternalId: 'c',
          updatedAt: '2026-01-01',
          placedAt: '2026-01-01',
          amountMinor: 100_000_001,
          currency: 'cny',
        },
      },
      now,
    );
    expect(cny.ok && cny.event.type === 'order.upserted' && cny.event.data.currency).toBe('CNY');
  });

  it('reads a reversal: refunded by default, the order it names, never paid; others as before', () => {
    const order = (extra: Record<string, unknown>) =>
      parseEvent(
        {
          type: 'order.upserted',
          data: {
            externalId: 'r',
            customerExternalId: 'c',
            updatedAt: '2026-01-01',
            placedAt: '2026-01-01',
            amountMinor: 500,
            currency: 'CNY',
            ...extra,
          },
        },
        now,
      );
    const data = (r: ReturnType<typeof parseEvent>) =>
      r.ok && r.event.type === 'order.upserted' ? r.event.data : null;
    expect(data(order({ reverses: 'o1' }))).toMatchObject({
      status: 'refunded',
      reversal: true,
      reversesExternalId: 'o1',
    });
    expect(data(order({ reversal: true, status: 'cancelled' }))).toMatchObject({
      status: 'cancelled',
      reversal: true,
      reversesExternalId: null,
    });
    // an order that is no reversal carries no reversal fields (its digest is what it was)
    const plain = data(order({}));
    expect(plain?.status).toBe('paid');
    expect(plain && 'reversal' in plain).toBe(false);
    const paid = order({ reversal: true, status: 'paid' });
    expect(paid.ok ? [] : paid.issues.map((i) => i.code)).toEqual(['reversal_paid']);
    const conflict = order({ reversal: false, reverses: 'o1' });
    expect(conflict.ok ? [] : conflict.issues.map((i) => i.code)).toEqual(['reversal_conflict']);
  });

  it('reads a negative amount as a reversal of |amount|, as the CSV import does; contradictions name the field', () => {
    const order = (extra: Record<string, unknown>) =>
      parseEvent(
        {
          type: 'order.upserted',
          data: {
            externalId: 'C581484',
            customerExternalId: 'c',
            updatedAt: '2026-01-01',
            placedAt: '2026-01-01',
            amountMinor: -500,
            currency: 'GBP',
            ...extra,
          },
        },
        now,
      );
    const data = (r: ReturnType<typeof parseEvent>) =>
      r.ok && r.event.type === 'order.upserted' ? r.event.data : null;
    expect(data(order({}))).toMatchObject({
      amountMinor: 500,
      status: 'refunded',
      reversal: true,
      reversesExternalId: null,
    });
    expect(data(order({ status: 'cancelled', reverses: '581483' }))).toMatchObject({
      amountMinor: 500,
      status: 'cancelled',
      reversal: true,
      reversesExternalId: '581483',
    });
    expect(data(order({ amountMinor: -0 }))).toMatchObject({ amountMinor: 0, status: 'paid' });
    const issues = (r: ReturnType<typeof parseEvent>) =>
      r.ok ? [] : r.issues.map((i) => [i.path, i.code, i.message]);
    expect(issues(order({ reversal: false }))).toEqual([
      [
        'data.reversal',
        'reversal_conflict',
        'is false, but amountMinor is negative (a negative amount is a refund or cancellation)',
      ],
    ]);
    expect(issues(order({ status: 'paid' }))).toEqual([
      [
        'data.status',
        'reversal_paid',
        'is paid, but amountMinor is negative (a negative amount is a refund or cancellation: status refunded or cancelled)',
      ],
    ]);
    expect(issues(order({ amountMinor: -10_000_000_001 }))).toEqual([
      ['data.amountMinor', 'amount_too_large', 'exceeds 100000000 GBP'],
    ]);
    // a line's amount is what was bought or given back: never negative
    const line = { productCode: 'p', quantity: 1, amountMinor: -500 };
    expect(issues(order({ lines: [line] })).map(([path, code]) => [path, code])).toEqual([
      ['data.lines[0].amountMinor', 'too_small'],
    ]);
  });

  it('defaults the interaction version to its occurrence and the source to crm', () => {
    const r = parseEventBatch(
      {
        events: [
          {
            type: 'interaction.created',
            data: {
              externalId: 'i',
              customerExternalId: 'c',
              occurredAt: '2026-01-02T03:04:05Z',
              kind: 'visit',
            },
          },
        ],
      },
      { now },
    );
    expect(r.ok && r.source).toBe('crm');
    expect(r.ok && r.events[0].type === 'interaction.created' && r.events[0].data.updatedAt).toBe(
      '2026-01-02T03:04:05.000Z',
    );
  });

  it('only checks, without normalising contact details, when asked (accepting a webhook)', () => {
    const body = {
      events: [
        {
          type: 'customer.upserted',
          data: { externalId: 'c', updatedAt: '2026-01-01', email: 'X@Y.CN', phone: 'n/a' },
        },
      ],
    };
    const checked = parseEventBatch(body, { now, normalise: false });
    expect(checked.ok && checked.events[0].type === 'customer.upserted' && checked.events[0].data.email).toBe(
      'X@Y.CN',
    );
    const applied = parseEventBatch(body, { now });
    expect(applied.ok && applied.warnings.map((w) => w.code)).toEqual(['phone_dropped']);
  });

  it('formats paths', () => {
    expect(formatPath(['events', 3, 'data', 'lines', 0, 'quantity'])).toBe(
      'events[3].data.lines[0].quantity',
    );
    expect(formatPath([])).toBe('');
  });
  it('refuses a version more than 5 minutes ahead of the clock (a typo could freeze the record), with its path', () => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const customer = (updatedAt: string) => ({
      type: 'customer.upserted',
      data: { externalId: 'c1', updatedAt },
    });
    expect(parseEvent(customer(at(4 * 60_000)), now).ok).toBe(true);
    const far = parseEvent(customer('2062-05-01T00:00:00Z'), now, ['events', 0]);
    expect(far.ok).toBe(false);
    if (!far.ok)
      expect(far.issues).toEqual([
        expect.objectContaining({ path: 'events[0].data.updatedAt', code: 'date_in_future' }),
      ]);
    // an hour ahead: within the day business times get, not within the clock skew a version gets
    const hour = 3600_000;
    const order = {
      type: 'order.upserted',
      data: {
        externalId: 'o1',
        customerExternalId: 'c1',
        updatedAt: at(hour),
        placedAt: at(hour),
        amountMinor: 1,
        currency: 'CNY',
      },
    };
    const o = parseEvent(order, now);
    expect(o.ok ? [] : o.issues.map((i) => i.path)).toEqual(['data.updatedAt']);
    const del = parseEvent(
      { type: 'customer.deleted', data: { externalId: 'c1', deletedAt: at(hour) } },
      now,
    );
    expect(del.ok ? [] : del.issues.map((i) => i.code)).toEqual(['date_in_future']);
    const interaction = (extra: object) => ({
      type: 'interaction.created',
      data: { externalId: 'i1', customerExternalId: 'c1', occurredAt: at(hour), kind: 'call', ...extra },
    });
    const noVersion = parseEvent(interaction({}), now);
    expect(noVersion.ok ? [] : noVersion.issues.map((i) => i.path)).toEqual(['data.occurredAt']);
    expect(parseEvent(interaction({ updatedAt: at(0) }), now).ok).toBe(true);
  });
});
