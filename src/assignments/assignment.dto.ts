import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../common/page-query';

/** Most customers one assignment call may move (one set-based statement). */
export const MAX_ASSIGN_IDS = 10_000;

/**
 * Moves accounts to a rep (or to the pool). Only these fields exist: anything else — `owner_rep_id`, `ownerRepId`,
 * `teamId` smuggled in — is rejected by the global whitelist, so owners change only through this endpoint.
 */
export class AssignDto {
  @ApiPropertyOptional({
    description: `Callplan customer ids (up to ${MAX_ASSIGN_IDS}); give these or customerExternalIds`,
    example: ['1042', '1043'],
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ASSIGN_IDS)
  @Matches(/^[1-9]\d{0,17}$/, { each: true, message: 'each customer id must be a positive integer' })
  customerIds?: string[];

  @ApiPropertyOptional({
    description: `the CRM's customer ids (up to ${MAX_ASSIGN_IDS}), of \`source\``,
    example: ['C-000123'],
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ASSIGN_IDS)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  customerExternalIds?: string[];

  @ApiPropertyOptional({ description: 'source of customerExternalIds', default: 'crm', example: 'crm' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_-]{1,40}$/)
  source?: string;

  @ApiPropertyOptional({
    description: "the new owner: rep id (uuid) or the rep's CRM external id; omit with toPool",
    example: 'rep-007',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  toRepId?: string;

  @ApiPropertyOptional({
    description: "release the accounts to the team pool (the manager's team; admins: teamId)",
  })
  @IsOptional()
  @IsBoolean()
  @Equals(true)
  toPool?: boolean;

  @ApiPropertyOptional({
    description: 'with toPool, admins only: the team whose pool (omit: the workspace pool)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  poolTeamId?: string;

  @ApiPropertyOptional({
    description: 'why, for the history and the audit log',
    example: 'new key-account split',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class AssignmentResultView {
  @ApiProperty({ example: '5b0e…' }) batchId!: string;
  @ApiProperty({ example: 120 }) requested!: number;
  @ApiProperty({ example: 118, description: 'owners that changed' }) changed!: number;
  @ApiProperty({ example: 2, description: 'already owned by the target' }) unchanged!: number;
  @ApiProperty({ example: 'rep-007', nullable: true, type: String }) toRep!: string | null;
}

export class AssignmentHistoryQuery extends PageQuery({ max: 500, default: 100 }) {
  @ApiPropertyOptional({ description: 'history of one customer (Callplan id)', example: '1042' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/)
  customerId?: string;

  @ApiPropertyOptional({ description: 'moves to or from one rep (uuid or external id)', example: 'rep-007' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  repId?: string;

  @ApiPropertyOptional({ description: 'the next page: entries older than this id (nextBefore)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/)
  before?: string;
}
