/**
 * Response shapes of the worklist API, as classes so that OpenAPI shows every field with an example.
 * Money is in integer minor units of the workspace currency; instants are ISO 8601; days are YYYY-MM-DD.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OUTCOMES } from './outcome-rules';

const ITEM_KINDS = ['urgent', 'callback', 'pinned', 'retry', 'ranked', 'prospect'];
/** `reassigned`: the customer is no longer in the reader's scope (docs/worklists.md#reassigned-customers) */
const STATES = ['open', 'done', 'snoozed', 'skipped', 'reassigned'];

export class ReasonView {
  @ApiProperty({ example: 'overdue_vs_cycle', description: 'machine-readable reason code' })
  code!: string;
  @ApiProperty({
    example: 52_000,
    description: 'minor units this reason adds to the expected value (0 for context)',
  })
  weight!: number;
  @ApiProperty({
    example: 'bought every ~30 days, now 52 days silent',
    description: "text in the rep's locale",
  })
  text!: string;
  @ApiProperty({
    example: { cycleDays: 30, daysSilent: 52 },
    description: 'the facts the text was made from',
  })
  facts!: Record<string, unknown>;
}

export class CallWindowView {
  @ApiProperty({ example: '2026-11-25T01:00:00.000Z' })
  from!: string;
  @ApiProperty({ example: '2026-11-25T10:00:00.000Z' })
  to!: string;
}

export class OfferView {
  @ApiProperty({ example: 'WINBACK15' })
  code!: string;
  @ApiProperty({ example: '15% off your next order' })
  title!: string;
  @ApiProperty({ example: 'valid on any order this month' })
  description!: string;
  // the terms below are optional in the type only, so views built by hand (the web pages' fixtures) need not name
  // them; reads always set them, from the offer version the item was published with
  @ApiProperty({ example: 3, nullable: true, type: Number, description: 'the offer version the item shows' })
  version?: number | null;
  @ApiProperty({ example: 15, nullable: true, type: Number, description: 'discount in percent' })
  discountPct?: number | null;
  @ApiProperty({
    example: 50_000,
    nullable: true,
    type: Number,
    description: 'minimum order value for the offer to apply, minor units',
  })
  minOrderMinor?: number | null;
  @ApiProperty({
    example: '2026-12-31',
    nullable: true,
    type: String,
    description: 'last day the offer may be shown, inclusive',
  })
  validTo?: string | null;
}

export class CustomerBriefView {
  @ApiProperty({ example: 'cus-0000042' })
  externalId!: string;
  @ApiProperty({ example: 'Chen Jie', nullable: true, type: String })
  name!: string | null;
  @ApiProperty({
    example: '+86 138 0013 8000',
    nullable: true,
    type: String,
    description: 'full for reps and managers, masked for integration keys',
  })
  phone!: string | null;
  @ApiProperty({ example: 'chen.jie@example.com', nullable: true, type: String })
  email!: string | null;
  @ApiProperty({ example: 'core', nullable: true, type: String })
  valueTier!: string | null;
  @ApiProperty({ example: 'at_risk', nullable: true, type: String })
  lifecycle!: string | null;
  @ApiProperty({ example: 'cant_lose', nullable: true, type: String })
  rfmSegment!: string | null;
  @ApiProperty({
    example: 496_000,
    nullable: true,
    type: Number,
    description: 'predicted value over the horizon',
  })
  clv!: number | null;
  @ApiProperty({ example: 0.62, nullable: true, type: Number })
  churnRisk!: number | null;
}

export class WorklistItemView {
  @ApiProperty({ example: '6f1c2a9e-2a55-4a0e-9f3d-1b2c3d4e5f60' })
  id!: string;
  @ApiProperty({
    example: 1,
    description: 'position in the list; fixed for the day (urgent inserts get ranks ≤ 0)',
  })
  rank!: number;
  @ApiProperty({ enum: STATES, example: 'open' })
  state!: string;
  @ApiProperty({ enum: ITEM_KINDS, example: 'ranked' })
  kind!: string;
  @ApiProperty({ example: false })
  urgent!: boolean;
  @ApiProperty({ example: 124_000, description: 'expected value of calling today, minor units' })
  expectedValue!: number;
  @ApiProperty({ example: 71.5, description: "the customer's scoring priority (0–100)" })
  priority!: number;
  @ApiProperty({ example: 'bought every ~30 days, now 52 days silent; expected value ¥1,240 at risk' })
  why!: string;
  @ApiProperty({ type: [ReasonView] })
  reasons!: ReasonView[];
  @ApiProperty({ type: CallWindowView, nullable: true })
  callWindow!: CallWindowView | null;
  @ApiProperty({ example: 'rational', nullable: true, type: String })
  personality!: string | null;
  @ApiPropertyOptional({
    example: 'Good morning Ms Chen, this is Li Na from …',
    description: 'left out of list reads with omit=talkTrack',
  })
  talkTrack!: string;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      "the talk-track variant of the customer's experiment arm the track was written with; null outside a talk-track test",
  })
  // optional in the type only, so views built by hand (the web pages' fixtures) need not name it; reads always set it
  talkTrackVariant?: string | null;
  @ApiProperty({ type: OfferView, nullable: true })
  offer!: OfferView | null;
  @ApiProperty({ enum: [...OUTCOMES, null], nullable: true, example: null, type: String })
  outcome!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String })
  doneAt!: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'day a snoozed customer may return',
  })
  snoozedUntil!: string | null;
  @ApiProperty({ type: CustomerBriefView })
  customer!: CustomerBriefView;
}

export class RepRefView {
  @ApiProperty({ example: '0b7d5c1e-8a43-4c1e-9d2a-5e6f7a8b9c0d' })
  id!: string;
  @ApiProperty({ example: 'rep-001' })
  externalId!: string;
  @ApiProperty({ example: 'Li Na' })
  name!: string;
}

export class ListCountsView {
  @ApiProperty({ example: 18 })
  open!: number;
  @ApiProperty({ example: 6 })
  done!: number;
  @ApiProperty({ example: 1 })
  snoozed!: number;
  @ApiProperty({ example: 0 })
  skipped!: number;
  @ApiPropertyOptional({
    example: 1,
    description:
      'items whose customer was reassigned away from the reader since the list was published (present when > 0; ' +
      'they are no longer counted under their former state)',
  })
  reassigned?: number;
}

export class WorklistView {
  @ApiProperty({ example: '2d6f8a0c-1b3e-4c5d-8e9f-0a1b2c3d4e5f' })
  id!: string;
  @ApiProperty({ type: RepRefView })
  rep!: RepRefView;
  @ApiProperty({ example: '2026-11-25' })
  date!: string;
  @ApiProperty({ example: '2026-11-24T23:05:12.000Z' })
  publishedAt!: Date;
  @ApiProperty({ example: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d', nullable: true, type: String })
  scoreRunId!: string | null;
  @ApiProperty({ example: 25 })
  capacity!: number;
  @ApiProperty({ example: 7, description: 'moves on every change of an item' })
  version!: number;
  @ApiProperty({ type: ListCountsView })
  counts!: ListCountsView;
  @ApiProperty({ type: [WorklistItemView] })
  items!: WorklistItemView[];
  @ApiProperty({
    example: 'cjoxNQ',
    nullable: true,
    type: String,
    description: 'pass as ?cursor= for the next page',
  })
  nextCursor!: string | null;
}

export class OrderBriefView {
  @ApiProperty({ example: 'ord-00001234' })
  externalId!: string;
  @ApiProperty({ example: '2026-10-04T06:12:00.000Z' })
  placedAt!: string;
  @ApiProperty({ example: 42_000 })
  amountMinor!: number;
  @ApiProperty({ example: 'CNY' })
  currency!: string;
  @ApiProperty({ example: 'paid', enum: ['paid', 'refunded', 'cancelled'] })
  status!: string;
}

export class InteractionBriefView {
  @ApiProperty({ example: '2026-11-20T02:30:00.000Z' })
  at!: string;
  @ApiProperty({
    example: 'call',
    description: 'call, email, visit, campaign, complaint, survey (CRM) or worklist_call',
  })
  kind!: string;
  @ApiProperty({ example: 'no_answer', nullable: true, type: String })
  outcome!: string | null;
  @ApiProperty({ example: 'asked about delivery times', nullable: true, type: String })
  note!: string | null;
  @ApiProperty({ example: 'crm', enum: ['crm', 'worklist'] })
  source!: string;
}

export class ScoresView {
  @ApiProperty({ example: 'core' })
  valueTier!: string;
  @ApiProperty({ example: 'at_risk' })
  lifecycle!: string;
  @ApiProperty({ example: 'cant_lose', nullable: true, type: String })
  rfmSegment!: string | null;
  @ApiProperty({ example: 'A', nullable: true, type: String })
  abcClass!: string | null;
  @ApiProperty({ example: 38, nullable: true, type: Number })
  recencyDays!: number | null;
  @ApiProperty({ example: 9 })
  frequency!: number;
  @ApiProperty({ example: 380_000 })
  monetary!: number;
  @ApiProperty({ example: 0.71, nullable: true, type: Number })
  pAlive!: number | null;
  @ApiProperty({ example: 3.2, nullable: true, type: Number })
  expectedPurchases!: number | null;
  @ApiProperty({ example: 41_000, nullable: true, type: Number })
  expectedOrderValue!: number | null;
  @ApiProperty({ example: 131_000, nullable: true, type: Number })
  clv!: number | null;
  @ApiProperty({ example: 0.44 })
  churnRisk!: number;
  @ApiProperty({ example: 71.5 })
  priority!: number;
  @ApiProperty({
    example: ['overdue_vs_cycle', 'no_two_way_contact'],
    nullable: true,
    type: [String],
    description:
      'why the lifecycle is what it is (docs/scoring.md#lifecycle); null for runs before it was kept',
  })
  // optional in the type only, so views built by hand (the web pages' fixtures) need not name it; reads always set it
  lifecycleReasons?: string[] | null;
}

export class FollowUpView {
  @ApiProperty({ example: 'callback', enum: ['callback', 'retry'] })
  kind!: string;
  @ApiProperty({ example: '2026-11-26T06:30:00.000Z' })
  dueAt!: string;
  @ApiProperty({ example: 1 })
  attempt!: number;
}

export class WorklistItemDetailView extends WorklistItemView {
  @ApiProperty({ example: '2026-11-25' })
  listDate!: string;
  @ApiProperty({ type: RepRefView })
  rep!: RepRefView;
  @ApiProperty({ type: ScoresView, nullable: true })
  scores!: ScoresView | null;
  @ApiProperty({ example: 'CN', nullable: true, type: String })
  country!: string | null;
  @ApiProperty({
    example: 'Asia/Shanghai',
    description: "the customer's time zone (from the country when unknown)",
  })
  timeZone!: string;
  @ApiProperty({ type: [OrderBriefView] })
  recentOrders!: OrderBriefView[];
  @ApiProperty({ type: [InteractionBriefView] })
  recentInteractions!: InteractionBriefView[];
  @ApiProperty({ type: FollowUpView, nullable: true })
  openFollowUp!: FollowUpView | null;
  @ApiProperty({ example: false })
  doNotCall!: boolean;
}

export class OutcomeResultView {
  @ApiProperty({ example: '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a' })
  id!: string;
  @ApiProperty({ example: '6f1c2a9e-2a55-4a0e-9f3d-1b2c3d4e5f60' })
  itemId!: string;
  @ApiProperty({ enum: OUTCOMES, example: 'callback_requested' })
  outcome!: string;
  @ApiProperty({ example: '2026-11-25T02:14:00.000Z' })
  occurredAt!: string;
  @ApiProperty({ type: FollowUpView, nullable: true, description: 'the follow-up this outcome scheduled' })
  followUp!: FollowUpView | null;
  @ApiPropertyOptional({
    nullable: true,
    example: null,
    description: 'suppression created: { kind: snooze | do_not_call | wrong_number, until, reason }',
  })
  suppression!: { kind: string; until: string | null; reason: string } | null;
  @ApiProperty({ example: 'rational', nullable: true, type: String })
  personality!: string | null;
}

export class SnoozeResultView {
  @ApiProperty({ example: '6f1c2a9e-2a55-4a0e-9f3d-1b2c3d4e5f60' })
  itemId!: string;
  @ApiProperty({ example: 'snoozed' })
  state!: string;
  @ApiProperty({ example: '2026-12-08' })
  until!: string;
  @ApiProperty({ example: 'travelling until early December' })
  reason!: string;
}

export class PinView {
  @ApiProperty({ example: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b' })
  id!: string;
  @ApiProperty({ example: 'cus-0000042' })
  customer!: string;
  @ApiProperty({ example: 'rep-001', nullable: true, type: String, description: "the customer's owner" })
  owner!: string | null;
  @ApiProperty({ example: 'renewal due this week', nullable: true, type: String })
  note!: string | null;
  @ApiProperty({ example: '2026-11-25' })
  startsOn!: string;
  @ApiProperty({ example: '2026-11-29', nullable: true, type: String })
  endsOn!: string | null;
}

export class AttributedOrderView {
  @ApiProperty({ example: 'ord-00004321' })
  order!: string;
  @ApiProperty({ example: 'cus-0000042' })
  customer!: string;
  @ApiProperty({ example: '2026-11-27T03:00:00.000Z' })
  placedAt!: string;
  @ApiProperty({ example: 56_000 })
  amountMinor!: number;
  @ApiProperty({ example: 'CNY' })
  currency!: string;
  @ApiProperty({ example: '2026-11-25T02:14:00.000Z' })
  callAt!: string;
  @ApiProperty({ example: 'reached' })
  outcome!: string;
}

export class MoneyView {
  @ApiProperty({ example: 'CNY' })
  currency!: string;
  @ApiProperty({ example: 1_064_000, description: 'minor units' })
  amountMinor!: number;
}

export class AttributionView {
  @ApiProperty({ type: RepRefView })
  rep!: RepRefView;
  @ApiProperty({ example: '2026-11-01' })
  from!: string;
  @ApiProperty({ example: '2026-11-30', description: 'inclusive' })
  to!: string;
  @ApiProperty({ example: 14 })
  windowDays!: number;
  @ApiProperty({ example: 212 })
  calls!: number;
  @ApiProperty({ example: { reached: 96, no_answer: 70, converted: 12 } })
  byOutcome!: Record<string, number>;
  @ApiProperty({ example: 19 })
  attributedOrders!: number;
  @ApiProperty({ type: [MoneyView], description: 'attributed revenue per currency' })
  attributedRevenue!: MoneyView[];
  @ApiProperty({ type: [AttributedOrderView] })
  orders!: AttributedOrderView[];
}

export class UrgentAcceptedView {
  @ApiProperty({ example: 'worklist-urgent-…' })
  jobId!: string;
}

export class UrgentResultView {
  @ApiProperty({
    example: 'inserted',
    enum: [
      'inserted',
      'marked',
      'not_urgent',
      'no_list',
      'suppressed',
      'contacted_today',
      'already_worked',
      'not_owned',
    ],
  })
  result!: string;
  @ApiProperty({ example: '6f1c2a9e-2a55-4a0e-9f3d-1b2c3d4e5f60', nullable: true, type: String })
  itemId!: string | null;
}

export class ErrorBodyView {
  @ApiProperty({ example: 'not_found' })
  code!: string;
  @ApiProperty({ example: 'worklist item not found' })
  message!: string;
  @ApiPropertyOptional({ example: null })
  details?: unknown;
}

export class ErrorView {
  @ApiProperty({ type: ErrorBodyView })
  error!: ErrorBodyView;
}
