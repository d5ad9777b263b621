/** The query and answer of GET /v1/customers (and its CSV export), documented for the OpenAPI document. */
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../common/page-query';
import { LIST_LIFECYCLES, LIST_SEGMENTS, LIST_SORTS, LIST_TIERS, MAX_Q_LENGTH } from './customer-list';

const listOf = (values: readonly string[]) =>
  `one or more of ${values.join(', ')}, comma-separated (any of them); unknown values answer 400`;

/**
 * The filters (values checked by parseListFilters, which names the field in its 400; here only their shape, so an
 * unknown parameter is still refused by the global ValidationPipe).
 */
export class CustomerFilterQuery {
  @ApiPropertyOptional({ example: 'core,potential', description: `value tier: ${listOf(LIST_TIERS)}` })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  tier?: string;

  @ApiPropertyOptional({
    example: 'at_risk',
    description: `lifecycle of the current score run: ${listOf(LIST_LIFECYCLES)}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  lifecycle?: string;

  @ApiPropertyOptional({ example: 'cant_lose', description: `RFM segment: ${listOf(LIST_SEGMENTS)}` })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  segment?: string;

  @ApiPropertyOptional({
    example: 'crm-rep-17',
    description: 'owning rep: its id or CRM external id (a rep outside your scope answers 400 invalid_owner)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  owner?: string;

  @ApiPropertyOptional({
    example: 'acme',
    maxLength: MAX_Q_LENGTH,
    description: 'text: the exact CRM external id, or a case-insensitive part of the name',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  q?: string;

  @ApiPropertyOptional({
    enum: LIST_SORTS,
    default: 'priority',
    description: 'priority, clv: highest first; name: A→Z. Customers without scores come last; ties by id.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  sort?: string;
}

/** Filters, page size and cursor (IntersectionType keeps both classes' validation and documentation). */
export class CustomerListQuery extends IntersectionType(
  PageQuery({ max: 500, default: 50, example: 50 }),
  CustomerFilterQuery,
) {
  @ApiPropertyOptional({
    example: 'WyJwcmlvcml0eSIsIjgxLjUiLCI0NzExIl0',
    description: 'nextCursor of the previous page (same filters and sort)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(600)
  cursor?: string;
}

export class CustomerListOwnerView {
  @ApiProperty({ example: '6f1c2a9e-2a55-4a0e-9f3d-1b2c3d4e5f60' })
  id!: string;
  @ApiProperty({ example: 'crm-rep-17' })
  externalId!: string;
  @ApiProperty({ example: 'Li Wei' })
  name!: string;
}

export class CustomerListItemView {
  @ApiProperty({ example: '4711' })
  id!: string;
  @ApiProperty({ example: 'C-10023' })
  externalId!: string;
  @ApiProperty({ example: 'Acme Trading', nullable: true, type: String, description: 'null once erased' })
  name!: string | null;
  @ApiProperty({ type: CustomerListOwnerView, nullable: true })
  owner!: CustomerListOwnerView | null;
  @ApiProperty({
    enum: [...LIST_TIERS, null],
    nullable: true,
    description: 'null: not in the current score run',
  })
  tier!: string | null;
  @ApiProperty({ enum: [...LIST_LIFECYCLES, null], nullable: true })
  lifecycle!: string | null;
  @ApiProperty({ enum: [...LIST_SEGMENTS, null], nullable: true })
  segment!: string | null;
  @ApiProperty({ example: 81.5, nullable: true, type: Number })
  priority!: number | null;
  @ApiProperty({
    example: '1250000',
    nullable: true,
    type: String,
    description: 'customer lifetime value, integer minor units of the workspace currency',
  })
  clv!: string | null;
  @ApiProperty({ example: 0.42, nullable: true, type: Number })
  churnRisk!: number | null;
  @ApiProperty({ example: '2026-11-02T08:15:00.000Z', nullable: true, type: String, format: 'date-time' })
  lastOrderAt!: Date | null;
}

export class CustomerListView {
  @ApiProperty({ type: [CustomerListItemView] })
  items!: CustomerListItemView[];
  @ApiProperty({ example: 'WyJwcmlvcml0eSIsIjgxLjUiLCI0NzExIl0', nullable: true, type: String })
  nextCursor!: string | null;
}

/**
 * The error body (`{ error: { code, message, details } }`, common/error.filter.ts) as an inline schema: the
 * worklist's ErrorView sits in a room above this one.
 */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', example: 'invalid_tier' },
        message: {
          type: 'string',
          example: 'tier must be one or more of core, potential, general (got gold)',
        },
        details: {
          description: 'for a filter: { field, allowed? }; for validation_failed: the messages',
          example: { field: 'tier', allowed: ['core', 'potential', 'general'] },
        },
      },
    },
  },
};
