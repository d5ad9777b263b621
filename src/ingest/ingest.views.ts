import {
  anyObject,
  apiSchema,
  arr,
  bigId,
  bool,
  day,
  described,
  instant,
  int,
  map,
  nullable,
  num,
  obj,
  oneOfValues,
  str,
  uuid,
} from '../common/api-schema';

const nstr = nullable(str);

export const InboundSecretView = apiSchema(
  'InboundSecret',
  obj({
    secret: described(
      str,
      'the new inbound signing secret, shown only in this answer',
      'whsec_uaKTMiXzpirFm2wlWxJdOBaTMTTi87SQ',
    ),
    previousValidUntil: described(nullable(instant), 'until when the previous secret still verifies'),
  }),
);

export const ApplyReportView = apiSchema(
  'SyncApplyReport',
  obj({
    events: int,
    customersWritten: int,
    customersStale: int,
    lifecycleApplied: int,
    merges: int,
    ordersWritten: int,
    interactionsWritten: int,
    parked: int,
    unparked: int,
    conflicts: described(int, 'CRM owners not applied because Callplan owns the field'),
    warnings: int,
  }),
);

export const InboxEntryView = apiSchema(
  'CrmInboxEntry',
  obj({
    id: bigId,
    webhookId: str,
    status: oneOfValues(['pending', 'processed', 'failed']),
    events: int,
    attempts: int,
    lastError: nstr,
    result: nullable(ApplyReportView),
    receivedAt: instant,
    processedAt: nullable(instant),
  }),
);
export const InboxListView = apiSchema('CrmInboxList', arr(InboxEntryView));
export const ReprocessView = apiSchema(
  'CrmInboxReprocessed',
  obj({ queued: described(int, 'inbox messages queued again') }, { example: { queued: 3 } }),
);

export const ParkedView = apiSchema(
  'ParkedRecord',
  obj({
    source: str,
    entity: oneOfValues(['order', 'interaction']),
    externalId: str,
    customerExternalId: nstr,
    reason: str,
    deleted: bool,
    parkedAt: instant,
    updatedAt: instant,
  }),
);
export const ParkedListView = apiSchema('ParkedRecordList', arr(ParkedView));

const sided = (source: object) => obj({ value: nstr, source, at: nullable(instant) });
export const FieldConflictPageView = apiSchema(
  'FieldConflictPage',
  obj({
    total: int,
    items: arr(
      obj({
        customer: obj({ id: bigId, source: str, externalId: str }),
        field: str,
        crm: described(sided(str), 'what the CRM (or a CSV import) said, and when'),
        kept: described(sided(nstr), 'what Callplan kept, who set it and when'),
        firstSeenAt: instant,
        lastSeenAt: instant,
        occurrences: int,
      }),
    ),
  }),
);

export const ConnectorView = apiSchema(
  'Connector',
  obj({
    id: uuid,
    kind: oneOfValues(['generic', 'hubspot', 'salesforce']),
    name: str,
    source: str,
    baseUrl: str,
    authHeader: described(nstr, "the auth header's name only; its value is never returned"),
    config: described(anyObject, 'entities, paging, http and maxPagesPerRun as stored (docs/crm-sync.md)'),
    scheduleEveryMs: nullable(int),
    enabled: bool,
    writeBack: described(
      nullable(
        obj({
          afterEventId: described(bigId, 'the last score-change event written back'),
          events: int,
          customers: int,
          calls: described(int, 'CRM API calls made'),
          lastPushAt: nullable(instant),
          lastReport: described(nullable(anyObject), "the last push's report"),
          lastError: nstr,
          failures: described(int, 'records the CRM refused (GET …/write-back-failures)'),
        }),
      ),
      'CRM-shaped connectors (hubspot, salesforce): how far the write-back got; null for generic ones',
    ),
    lastRunAt: nullable(instant),
    lastRunReport: described(nullable(anyObject), "the last run's report"),
    lastError: nstr,
    cursors: arr(obj({ entity: str, cursor: nstr, pages: int, records: int, updatedAt: instant })),
  }),
);
export const ConnectorListView = apiSchema('ConnectorList', arr(ConnectorView));
export const JobQueuedView = apiSchema(
  'JobQueued',
  obj({ jobId: str }, { example: { jobId: 'pull-08459514-e6c5-4f5a-9c96-84c777a55816-1796564820370' } }),
);

export const WriteBackFailureListView = apiSchema(
  'CrmWriteBackFailureList',
  arr(
    obj({
      externalId: described(str, 'the CRM record'),
      outboxEventId: described(bigId, 'the score-change event whose write-back the CRM refused'),
      code: described(str, "the CRM's error code (or Callplan's, e.g. not_a_hubspot_id)", 'OBJECT_NOT_FOUND'),
      message: str,
      failedAt: instant,
    }),
  ),
);

export const CurrencyRateView = apiSchema(
  'CurrencyRate',
  obj({
    currency: described(str, 'ISO 4217', 'USD'),
    validFrom: described(day, 'from this UTC day until the next rate of the currency'),
    rate: described(
      str,
      'units of the workspace currency per unit of `currency`, as a decimal string',
      '7.1',
    ),
  }),
);
export const CurrencyRateTableView = apiSchema(
  'CurrencyRateTable',
  obj({ rates: arr(CurrencyRateView, 'by currency, then validFrom') }),
);
export const CurrencyRatesReplacedView = apiSchema(
  'CurrencyRatesReplaced',
  obj({
    rates: arr(CurrencyRateView, 'the table now, by currency, then validFrom'),
    currencies: arr(str, 'the currencies of the new table, sorted'),
  }),
);

const REJECT_KINDS = ['inbox', 'parked', 'pull'];
const perKind = obj({ inbox: int, parked: int, pull: int });
export const SyncRejectListView = apiSchema(
  'SyncRejectList',
  obj({
    total: described(int, 'all that wait (of `kind` when given), not only this page'),
    counts: described(perKind, 'what waits, per kind'),
    items: arr(
      obj({
        id: described(str, '`inbox:<id>`, `pull:<id>` or `parked:<key>`: what the replay takes', 'pull:7'),
        kind: oneOfValues(REJECT_KINDS),
        source: nstr,
        origin: described(str, "`webhook:<webhook-id>`, `pull:<connector>`, or the parked record's source"),
        entity: nstr,
        externalId: nstr,
        reason: obj({ code: str, message: str }),
        problems: arr(
          obj({ path: str, code: str, message: str }),
          'each problem with the field path it concerns',
        ),
        attempts: int,
        firstSeenAt: instant,
        lastSeenAt: instant,
        replay: described(
          obj({ automatic: bool, how: str }),
          'how it gets applied: by itself (parked) or by a replay after a fix',
        ),
      }),
    ),
  }),
);
export const SyncRejectReplayView = apiSchema(
  'SyncRejectReplay',
  obj({
    inbox: described(obj({ queued: int }), 'failed webhook messages queued again'),
    parked: described(obj({ unparked: int }), 'parked records whose customer exists now, applied'),
    pull: described(
      obj({ applied: int, stillRejected: int, skipped: int }),
      'pull records mapped and validated again: applied, still invalid, connector gone or disabled',
    ),
    remaining: described(perKind, 'what still waits, per kind'),
  }),
);

export const ImportSchema = apiSchema(
  'Import',
  obj({
    id: uuid,
    kind: oneOfValues(['customers', 'orders', 'interactions', 'reps']),
    status: oneOfValues(['queued', 'running', 'completed', 'failed']),
    fileName: str,
    sizeBytes: int,
    options: described(
      obj(
        {
          map: map(str),
          source: str,
          createMissingCustomers: bool,
          encoding: str,
          dateFormat: str,
          preset: str,
          ignoreUnknownColumns: bool,
        },
        {
          optional: [
            'map',
            'source',
            'createMissingCustomers',
            'encoding',
            'dateFormat',
            'preset',
            'ignoreUnknownColumns',
          ],
        },
      ),
      'the options of the upload',
    ),
    progress: nullable({
      type: 'object',
      required: ['percent'],
      properties: {
        percent: {
          type: 'number',
          description: 'loading 0–90 by bytes read, merging 90, deduplicating 95, done 100',
        },
        phase: oneOfValues(['loading', 'merging', 'deduplicating', 'done']),
        bytesRead: int,
        totalBytes: int,
        rows: int,
      },
    }),
    report: nullable({
      ...obj(
        {
          kind: str,
          rows: int,
          valid: int,
          rejected: int,
          warnings: int,
          inserted: int,
          updated: int,
          unchanged: int,
          seconds: num,
          phases: map(num, 'seconds per phase: load, merge, dedupe'),
          dedupe: described(anyObject, 'customers imports: the duplicate detection run after the merge'),
        },
        { optional: ['dedupe'] },
      ),
      additionalProperties: true,
    }),
    error: described(
      nullable(obj({ code: str, message: str, details: {} }, { optional: ['details'] })),
      'why a failed import failed; details say where (line, column) when the file itself was refused',
    ),
    rejectsUrl: described(nstr, 'the rejected rows as CSV, when there are any'),
    createdBy: str,
    createdAt: instant,
    startedAt: nullable(instant),
    finishedAt: nullable(instant),
  }),
);
export const ImportListSchema = apiSchema('ImportList', arr(ImportSchema));

export const ReceivedView = apiSchema(
  'CrmEventsReceived',
  obj(
    {
      inboxId: bigId,
      events: int,
      duplicate: described(bool, 'true for a webhook-id seen before (no second effect)'),
    },
    { example: { inboxId: '42', events: 3, duplicate: false } },
  ),
);
