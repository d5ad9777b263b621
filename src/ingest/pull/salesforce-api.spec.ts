import { parseEvent } from '../events/crm-event.schema';
import { salesforceInputSchema } from './salesforce-config';
import {
  collectionBody,
  collectionFailures,
  errorCode,
  formatSalesforceCursor,
  limitInfo,
  nextSalesforceCursor,
  opportunitySoql,
  opportunityToWire,
  parseSalesforceCursor,
  restartCursor,
  salesforceValue,
  sfInstant,
  sfRecordToWire,
  soql,
} from './salesforce-api';

const spec = salesforceInputSchema.parse({
  kind: 'salesforce',
  name: 'sf',
  baseUrl: 'https://acme.my.salesforce.com',
  auth: { accessToken: '00Dxx!token' },
});
const cfg = spec.records;
const rec = (id: string, modstamp: string, extra: Record<string, unknown> = {}) => ({
  attributes: { type: 'Contact' },
  Id: id,
  SystemModstamp: modstamp,
  ...extra,
});

describe('Salesforce configuration', () => {
  it("defaults to Salesforce's documented maxima and refuses more", () => {
    expect(spec).toMatchObject({
      apiVersion: 'v62.0',
      records: { object: 'Contact', pageSize: 2000 },
      writeBack: { batchSize: 200 },
      limits: { dailyReserve: 0.1 },
    });
    const r = salesforceInputSchema.safeParse({
      ...spec,
      records: { pageSize: 5000, fields: { email: 'Email; DELETE' } },
      writeBack: { batchSize: 201 },
    });
    expect(r.success).toBe(false);
    if (!r.success) {
      expect(r.error.issues.map((i) => i.path.join('.')).sort()).toEqual([
        'records.fields.email',
        'records.pageSize',
        'writeBack.batchSize',
      ]);
    }
  });
});

describe('SOQL pull and its cursor', () => {
  it('selects the mapped fields from the watermark, ordered by SystemModstamp then Id', () => {
    expect(soql(cfg, null)).toBe(
      'SELECT Id, SystemModstamp, Name, Email, Phone, MailingState, MailingCountryCode, LeadSource, OwnerId, ' +
        'CreatedDate FROM Contact ORDER BY SystemModstamp ASC, Id ASC',
    );
    expect(soql(cfg, '2026-01-01T00:00:00.000Z')).toContain(
      'FROM Contact WHERE SystemModstamp >= 2026-01-01T00:00:00.000Z ORDER BY',
    );
  });

  it('follows the locator, remembers the newest instant, and moves the watermark when the query is done', () => {
    const start = parseSalesforceCursor(null);
    const page1 = nextSalesforceCursor(
      start,
      {
        totalSize: 3,
        done: false,
        nextRecordsUrl: '/services/data/v62.0/query/01gAB-2',
        records: [
          rec('003000000000001', '2026-01-01T10:00:00.000+0000'),
          rec('003000000000002', '2026-01-02T10:00:00.000+0000'),
        ],
      },
      'SystemModstamp',
    );
    expect(page1).toEqual({
      next: { since: null, locator: '/services/data/v62.0/query/01gAB-2', seen: '2026-01-02T10:00:00.000Z' },
      done: false,
    });
    expect(restartCursor(page1.next)).toEqual({
      since: '2026-01-02T10:00:00.000Z',
      locator: null,
      seen: null,
    });
    const page2 = nextSalesforceCursor(
      page1.next,
      { totalSize: 3, done: true, records: [rec('003000000000003', '2026-01-03T10:00:00.000+0000')] },
      'SystemModstamp',
    );
    expect(page2).toEqual({
      next: { since: '2026-01-03T10:00:00.000Z', locator: null, seen: null },
      done: true,
    });
    expect(parseSalesforceCursor(formatSalesforceCursor(page1.next))).toEqual(page1.next);
    // a locator that is not Salesforce's shape is never followed (it becomes a request path)
    expect(parseSalesforceCursor('{"locator":"https://evil.example/x"}').locator).toBeNull();
  });

  it('reads Salesforce datetimes and maps a Contact to a valid sync event', () => {
    expect(sfInstant('2026-01-01T10:00:00.000+0100')).toBe('2026-01-01T09:00:00.000Z');
    expect(sfInstant('yesterday')).toBeNull();
    const wire = sfRecordToWire(
      rec('003000000000001AAA', '2026-01-01T10:00:00.000+0000', {
        Name: 'Ada Lovelace',
        Email: 'ada@example.com',
        MailingCountryCode: 'GB',
        CreatedDate: '2025-12-01T00:00:00.000+0000',
      }),
      cfg,
    );
    expect(wire.data).toMatchObject({
      externalId: '003000000000001AAA',
      name: 'Ada Lovelace',
      country: 'GB',
      updatedAt: '2026-01-01T10:00:00.000Z',
      createdAt: '2025-12-01T00:00:00.000Z',
    });
    expect(parseEvent(wire).ok).toBe(true);
  });
});

describe('won Opportunities as orders', () => {
  it('queries won Opportunities by the lookup of the pulled object and converts Amount exactly', () => {
    const on = { ...cfg, opportunities: { ...cfg.opportunities, enabled: true, currency: 'JPY' } };
    expect(opportunitySoql(on, '2026-01-01T00:00:00.000Z')).toBe(
      'SELECT Id, SystemModstamp, ContactId, Amount, CloseDate FROM Opportunity ' +
        'WHERE IsWon = true AND SystemModstamp >= 2026-01-01T00:00:00.000Z ORDER BY SystemModstamp ASC, Id ASC',
    );
    expect(opportunitySoql({ ...on, object: 'Account' }, null)).toContain('AccountId');
    const eur = { ...on, opportunities: { ...on.opportunities, currency: 'EUR' } };
    const wire = opportunityToWire(
      {
        attributes: { type: 'Opportunity' },
        Id: '006000000000001AAA',
        ContactId: '003000000000001AAA',
        Amount: 1234.5,
        CloseDate: '2026-02-03',
        SystemModstamp: '2026-02-03T10:00:00.000+0000',
      },
      eur,
    );
    expect(wire).toEqual({
      type: 'order.upserted',
      data: {
        externalId: '006000000000001AAA',
        customerExternalId: '003000000000001AAA',
        updatedAt: '2026-02-03T10:00:00.000Z',
        placedAt: '2026-02-03',
        amountMinor: 123450,
        currency: 'EUR',
        status: 'paid',
      },
    });
    expect(parseEvent(wire).ok).toBe(true);
  });
});

describe('refunds and cancellations among Opportunities', () => {
  const on = {
    ...cfg,
    opportunities: {
      ...cfg.opportunities,
      enabled: true,
      currency: 'GBP',
      cancelledStages: ['Cancelled', "Storniert d'office"],
      reversesField: 'Refunded_Opportunity__c',
    },
  };
  const opp = (fields: Record<string, unknown>) => ({
    attributes: { type: 'Opportunity' },
    Id: '006000000000002AAA',
    ContactId: '003000000000001AAA',
    CloseDate: '2026-02-03',
    SystemModstamp: '2026-02-03T10:00:00.000+0000',
    ...fields,
  });

  it('also queries the cancelled stages, as quoted SOQL literals, with the stage and the refund lookup', () => {
    expect(opportunitySoql(on, null)).toBe(
      'SELECT Id, SystemModstamp, ContactId, Amount, CloseDate, StageName, Refunded_Opportunity__c FROM Opportunity ' +
        "WHERE (IsWon = true OR StageName IN ('Cancelled', 'Storniert d\\'office')) ORDER BY SystemModstamp ASC, Id ASC",
    );
    // quotes and backslashes in a stage name are refused by the configuration
    for (const bad of ["it's", 'a\\b', 'line\nbreak']) {
      const r = salesforceInputSchema.safeParse({
        kind: 'salesforce',
        name: 'sf',
        baseUrl: 'https://acme.my.salesforce.com',
        auth: { accessToken: '00Dxx!token' },
        records: { opportunities: { cancelledStages: [bad] } },
      });
      expect(r.success).toBe(false);
    }
  });

  it('maps a negative Amount to a reversal naming its Opportunity, and a cancelled stage to a cancelled order', () => {
    const refund = opportunityToWire(
      opp({ Amount: -1684.6, StageName: 'Closed Won', Refunded_Opportunity__c: '006000000000001AAA' }),
      on,
    );
    expect(refund.data).toMatchObject({
      amountMinor: 168460,
      status: 'refunded',
      reversal: true,
      reverses: '006000000000001AAA',
    });
    expect(parseEvent(refund).ok).toBe(true);
    const loose = opportunityToWire(opp({ Amount: -5, StageName: 'Closed Won' }), on).data;
    expect(loose).toMatchObject({ amountMinor: 500, reversal: true });
    expect(loose).not.toHaveProperty('reverses');
    const cancelled = opportunityToWire(opp({ Amount: 168469.6, StageName: 'Cancelled' }), on);
    expect(cancelled.data).toMatchObject({ amountMinor: 16_846_960, status: 'cancelled' });
    expect(cancelled.data).not.toHaveProperty('reversal');
    expect(parseEvent(cancelled).ok).toBe(true);
    // a refund Opportunity in a cancelled stage is no order: refused, never netted as a credit note
    const undone = parseEvent(opportunityToWire(opp({ Amount: -5, StageName: 'Cancelled' }), on));
    expect(undone.ok ? [] : undone.issues.map((i) => i.code)).toEqual(['reversal_conflict']);
  });
});

describe('sObject Collections write-back', () => {
  it('sends typed values, each record on its own (allOrNone false)', () => {
    expect(salesforceValue({ amountMinor: 1923200, currency: 'CNY' })).toBe(19232);
    expect(salesforceValue(['a', 'b'])).toBe('a;b');
    expect(salesforceValue(null)).toBeNull();
    expect(
      collectionBody('Contact', [{ id: '003000000000001', values: { Callplan_Tier__c: 'core' } }]),
    ).toEqual({
      allOrNone: false,
      records: [{ attributes: { type: 'Contact' }, Id: '003000000000001', Callplan_Tier__c: 'core' }],
    });
  });

  it('reads SaveResults in request order, the usage header and error codes', () => {
    expect(
      collectionFailures(
        [
          { id: '003000000000001', success: true, errors: [] },
          {
            id: null,
            success: false,
            errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid id' }],
          },
        ],
        ['003000000000001', '003000000000002'],
      ),
    ).toEqual({
      succeeded: ['003000000000001'],
      failed: [{ id: '003000000000002', code: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid id' }],
    });
    expect(collectionFailures([], ['x'])).toBeNull(); // not one result per record: not trusted
    expect(limitInfo('api-usage=18/5000')).toEqual({ used: 18, max: 5000 });
    expect(limitInfo(null)).toBeNull();
    expect(errorCode([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])).toBe(
      'INVALID_SESSION_ID',
    );
    expect(errorCode({ error: 'invalid_grant' })).toBeNull();
  });
});
