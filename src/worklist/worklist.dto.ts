/** Request bodies and query strings of the worklist API, validated at the edge (global ValidationPipe). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsInstant } from '../common/is-instant.decorator';
import { PageQuery } from '../common/page-query';
import { PERSONALITIES } from '../playbooks/personality';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-paging';
import { OUTCOMES } from './outcome-rules';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ListQueryDto extends PageQuery({ max: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, example: 25 }) {
  @ApiPropertyOptional({
    example: '2026-11-25',
    description: 'YYYY-MM-DD; default today in the workspace time zone',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  date?: string;

  @ApiPropertyOptional({ example: 'cjoxMA', description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;

  @ApiPropertyOptional({
    enum: ['open', 'all'],
    default: 'open',
    description:
      'open: what is left to call (done and snoozed items leave the list); all: every item with its state',
  })
  @IsOptional()
  @IsIn(['open', 'all'])
  state?: 'open' | 'all';

  @ApiPropertyOptional({
    enum: ['talkTrack'],
    description:
      'talkTrack: leave talk tracks out (about half the bytes; GET /v1/worklist-items/{id} has them)',
  })
  @IsOptional()
  @IsIn(['talkTrack'])
  omit?: 'talkTrack';
}

export class OutcomeDto {
  @ApiProperty({ enum: OUTCOMES, example: 'callback_requested' })
  @IsIn(OUTCOMES)
  outcome!: (typeof OUTCOMES)[number];

  @ApiPropertyOptional({ example: 'asked for a quote on the 20-pack; call back Thursday', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  @ApiPropertyOptional({
    example: '2026-11-26T14:30:00+08:00',
    description:
      'required with callback_requested: when to call back, within 90 days — an ISO 8601 date-time WITH its offset ' +
      '(Z or ±hh:mm; without one: 400, a local time is ambiguous). Answered back in UTC.',
  })
  @IsOptional()
  @MaxLength(40)
  @IsInstant()
  callbackAt?: string;

  @ApiPropertyOptional({
    enum: PERSONALITIES,
    example: 'rational',
    description: "updates the customer's personality",
  })
  @IsOptional()
  @IsIn(PERSONALITIES)
  personality?: (typeof PERSONALITIES)[number];
}

export class SnoozeDto {
  @ApiProperty({
    example: '2026-12-08',
    description: 'first day the customer may be listed again (YYYY-MM-DD)',
  })
  @Matches(DAY, { message: 'until must be YYYY-MM-DD' })
  until!: string;

  @ApiProperty({ example: 'travelling until early December', minLength: 1, maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class PinDto {
  @ApiProperty({ example: 'cus-0000042', description: "the customer's CRM external id" })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  customer!: string;

  @ApiPropertyOptional({ example: 'renewal due this week', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @ApiPropertyOptional({ example: '2026-11-25', description: 'first day on the list; default today' })
  @IsOptional()
  @Matches(DAY, { message: 'startsOn must be YYYY-MM-DD' })
  startsOn?: string;

  @ApiPropertyOptional({ example: '2026-11-29', description: 'last day on the list; default open-ended' })
  @IsOptional()
  @Matches(DAY, { message: 'endsOn must be YYYY-MM-DD' })
  endsOn?: string;
}

export class AttributionQueryDto {
  @ApiProperty({ example: '2026-11-01', description: 'first day of calls (workspace time zone)' })
  @Matches(DAY, { message: 'from must be YYYY-MM-DD' })
  from!: string;

  @ApiProperty({ example: '2026-11-30', description: 'last day of calls, inclusive' })
  @Matches(DAY, { message: 'to must be YYYY-MM-DD' })
  to!: string;
}

export class UrgentEventDto {
  @ApiProperty({ example: 'cus-0000042', description: "the customer's CRM external id" })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  customer!: string;

  @ApiProperty({ enum: ['complaint', 'order'], example: 'order' })
  @IsIn(['complaint', 'order'])
  kind!: 'complaint' | 'order';

  @ApiPropertyOptional({ example: 1_200_000, description: 'orders: amount in minor units' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1e13)
  amountMinor?: number;

  @ApiPropertyOptional({ example: 'delivery arrived damaged', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @ApiPropertyOptional({
    example: '2026-11-25T02:10:00Z',
    description: 'ISO 8601 date-time WITH its offset (Z or ±hh:mm); without one: 400',
  })
  @IsOptional()
  @MaxLength(40)
  @IsInstant()
  occurredAt?: string;

  @ApiPropertyOptional({
    example: 'crm-evt-88123',
    description: 'idempotency: the same event id is processed once',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'eventId: letters, digits, _ . - (at most 100)' })
  eventId?: string;
}
