/**
 * The catalog of outbound event types: every type Callplan emits, with the JSON schema of its `data` and an
 * example. Pure; the subscription filter, the CLI and `GET /v1/webhook-event-types` all read this one list.
 * Every message is `{ type, timestamp, data }`, signed per Standard Webhooks; its `webhook-id` is stable across
 * retries (receivers dedupe on it: delivery is at-least-once, order is not promised).
 */
type JsonSchema = Record<string, unknown>;

export interface EventTypeSpec {
  type: string;
  description: string;
  schema: JsonSchema;
  example: Record<string, unknown>;
}

const str = { type: 'string' };
const nstr = { type: ['string', 'null'] };
const num = { type: 'number' };
const obj = (properties: Record<string, unknown>, required = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
});
const arr = (items: unknown) => ({ type: 'array', items });

export const EVENT_TYPE_SPECS = [
  {
    type: 'worklist.published',
    description: "A rep's call list for a day was published (one event per rep).",
    schema: obj({
      worklistId: str,
      rep: str,
      date: { type: 'string', format: 'date' },
      scoreRunId: str,
      items: arr(
        obj(
          {
            rank: { type: 'integer' },
            customer: str,
            kind: str,
            expectedValue: num,
            priority: num,
            reasons: arr(str),
            why: nstr,
            offer: nstr,
            personality: nstr,
            talkTrack: nstr,
            talkTrackVariant: {
              type: 'string',
              description:
                "the talk-track variant of the customer's experiment arm; absent outside a talk-track test",
            },
          },
          ['rank', 'customer', 'kind', 'priority', 'reasons'],
        ),
      ),
    }),
    example: {
      worklistId: '5b0f7d9e-0d53-4c3e-9d55-1f8f4c1c2a10',
      rep: 'rep-001',
      date: '2026-12-07',
      scoreRunId: '9a1c2b3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
      items: [
        {
          rank: 1,
          customer: 'C-10042',
          kind: 'customer',
          expectedValue: 182.5,
          priority: 0.91,
          reasons: ['churn_risk_high', 'high_clv'],
          why: 'High value customer drifting away',
          offer: 'WINBACK10',
          personality: 'analytical',
          talkTrack: 'Open with last order …',
        },
      ],
    },
  },
  {
    type: 'scores.updated',
    description: 'A scoring run finished and its scores are current (totals only).',
    schema: obj({
      runId: str,
      asOf: { type: 'string', format: 'date' },
      tiers: { type: 'object', additionalProperties: { type: 'integer' } },
      lifecycles: { type: 'object', additionalProperties: { type: 'integer' } },
      moves: { type: ['object', 'null'] },
      previousRunId: nstr,
    }),
    example: {
      runId: '9a1c2b3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
      asOf: '2026-12-06',
      tiers: { A: 120, B: 480, C: 2400 },
      lifecycles: { new: 40, active: 2100, at_risk: 600, lapsed: 260 },
      moves: { up: 35, down: 41 },
      previousRunId: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9',
    },
  },
  {
    type: 'assignment.changed',
    description:
      'Customers changed owner (rebalance, manual move, pool, rep deactivation); up to 500 per event.',
    schema: obj({
      batchId: str,
      reason: str,
      proposalId: nstr,
      changes: arr(
        obj(
          {
            customer: obj({ source: str, externalId: str }),
            from: nstr,
            to: nstr,
            pool: obj({ team: nstr }),
          },
          ['customer', 'from', 'to'],
        ),
      ),
    }),
    example: {
      batchId: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      reason: 'rebalance',
      proposalId: null,
      changes: [{ customer: { source: 'crm', externalId: 'C-10042' }, from: 'rep-001', to: 'rep-002' }],
    },
  },
  {
    type: 'worklist.outcome_recorded',
    description: 'A rep recorded the outcome of a call on a list item.',
    schema: {
      ...obj({ customer: str, rep: str, outcome: str, notes: nstr }, ['customer', 'rep', 'outcome']),
      additionalProperties: true,
    },
    example: {
      itemId: '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b',
      outcome: 'reached',
      customer: 'C-10042',
      rep: 'rep-001',
      notes: 'Wants a quote next week',
    },
  },
  {
    type: 'worklist.item_inserted',
    description: "An urgent call was inserted into (or marked on) today's list of a rep.",
    schema: obj({
      worklistId: str,
      rep: str,
      itemId: nstr,
      rank: { type: 'integer' },
      customer: str,
      urgent: { type: 'boolean' },
      result: { enum: ['inserted', 'marked'] },
      reason: str,
    }),
    example: {
      worklistId: '5b0f7d9e-0d53-4c3e-9d55-1f8f4c1c2a10',
      rep: 'rep-001',
      itemId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
      rank: 1,
      customer: 'C-10042',
      urgent: true,
      result: 'inserted',
      reason: 'complaint',
    },
  },
  {
    type: 'customer.scores_changed',
    description:
      'Per-customer write-back (docs/write-back.md): the customers whose written-back values changed (CLV once it ' +
      'has moved 5 % from the value last sent), at most 500 per ' +
      'event, after a scoring run, an outcome or snooze, an assignment change, or a field-mapping change. Each ' +
      "customer's keys are the workspace's CRM property names (the field mapping; the defaults are shown); a field " +
      'mapped to nothing is left out, so no key is required.',
    schema: obj({
      customers: arr({
        type: 'object',
        additionalProperties: true,
        properties: {
          externalId: str,
          tier: { enum: ['core', 'potential', 'general', null] },
          lifecycle: nstr,
          rfmSegment: nstr,
          abcClass: { enum: ['A', 'B', 'C', null] },
          clv: {
            type: ['object', 'null'],
            properties: { amountMinor: { type: 'integer' }, currency: str },
            required: ['amountMinor', 'currency'],
          },
          pAlive: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          churnRisk: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          priority: { type: ['integer', 'null'], minimum: 0, maximum: 100 },
          nextCallDate: { type: ['string', 'null'], format: 'date' },
          owner: nstr,
          personality: nstr,
          reasonCodes: arr(str),
          pBuy: {
            type: ['number', 'null'],
            minimum: 0,
            maximum: 1,
            description:
              "opt-in (sent only when the mapping names it): probability of at least one purchase in the run's " +
              'forecast horizon, 2 decimals; null without a purchase model',
          },
        },
      }),
      fields: {
        type: 'object',
        additionalProperties: str,
        description: 'Callplan field → CRM property name, as used in this event (fields left out are absent)',
      },
    }),
    example: {
      customers: [
        {
          externalId: 'C-10042',
          callplan_tier: 'core',
          lifecycle: 'at_risk',
          rfmSegment: 'cant_lose',
          abcClass: 'A',
          clv: { amountMinor: 183040, currency: 'CNY' },
          pAlive: 0.62,
          churnRisk: 0.38,
          priority: 91,
          nextCallDate: '2026-12-07',
          owner: 'rep-001',
          personality: 'rational',
          reasonCodes: ['high_value_at_risk', 'overdue_vs_cycle'],
        },
      ],
      fields: {
        externalId: 'externalId',
        tier: 'callplan_tier',
        lifecycle: 'lifecycle',
        rfmSegment: 'rfmSegment',
        abcClass: 'abcClass',
        clv: 'clv',
        pAlive: 'pAlive',
        churnRisk: 'churnRisk',
        priority: 'priority',
        nextCallDate: 'nextCallDate',
        owner: 'owner',
        personality: 'personality',
        reasonCodes: 'reasonCodes',
      },
    },
  },
  {
    type: 'endpoint.disabled',
    description:
      'A webhook endpoint of the workspace was disabled automatically (every delivery failed for days, or it answered 410 Gone).',
    schema: obj({
      endpointId: str,
      url: str,
      reason: { enum: ['failing', 'gone'] },
      failingSince: { type: ['string', 'null'], format: 'date-time' },
      disabledAt: { type: 'string', format: 'date-time' },
    }),
    example: {
      endpointId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      url: 'https://crm.example.com/hooks/callplan',
      reason: 'failing',
      failingSince: '2026-12-01T07:00:04.000Z',
      disabledAt: '2026-12-06T07:12:40.000Z',
    },
  },
] as const satisfies readonly EventTypeSpec[];

export type OutboundEventType = (typeof EVENT_TYPE_SPECS)[number]['type'];

export const EVENT_TYPES: readonly OutboundEventType[] = EVENT_TYPE_SPECS.map((s) => s.type);

/** The entries of `requested` that are not event types (empty when all are known). */
export function unknownEventTypes(requested: readonly string[]): string[] {
  return requested.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
}
