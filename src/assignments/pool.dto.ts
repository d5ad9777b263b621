import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/page-query';
import { VALUE_TIERS } from '../scoring/models/types';

/** Most accounts one claim may take (the daily limit usually binds first). */
export const MAX_CLAIM_IDS = 50;

export class ClaimDto {
  @ApiProperty({
    description: `pool accounts to take (Callplan ids, up to ${MAX_CLAIM_IDS})`,
    example: ['1042'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CLAIM_IDS)
  @Matches(/^[1-9]\d{0,17}$/, { each: true, message: 'each customer id must be a positive integer' })
  customerIds!: string[];
}

export class PoolQuery extends PageQuery({ max: 200, default: 50 }) {
  @ApiPropertyOptional({ enum: VALUE_TIERS })
  @IsOptional()
  @IsIn(VALUE_TIERS)
  tier?: 'core' | 'potential' | 'general';

  @ApiPropertyOptional({ description: 'the next page (nextCursor of the previous one)' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}_\d{1,18}$/)
  cursor?: string;
}

export class RemindersQuery extends PageQuery({ max: 500, default: 100 }) {}

class TierDaysDto {
  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 30, description: 'null: never' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  core?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 45 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  potential?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 60 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  general?: number | null;
}

class TierCapDto {
  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 50, description: 'null: no cap' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  core?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 150 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  potential?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 500 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  general?: number | null;
}

/** A partial change to `workspaces.settings.pool`; fields left out keep their value. */
export class PoolSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;

  @ApiPropertyOptional({ type: TierDaysDto, description: 'days without follow-up before release, per tier' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TierDaysDto)
  followUpDays?: TierDaysDto;

  @ApiPropertyOptional({ example: 3 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  reminderDaysBefore?: number;

  @ApiPropertyOptional({
    type: TierCapDto,
    description: 'most accounts of a tier a rep may hold and still claim',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TierCapDto)
  holdingCap?: TierCapDto;

  @ApiPropertyOptional({ example: 20 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  dailyClaimLimit?: number;

  @ApiPropertyOptional({ example: 30 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3650)
  reclaimCooldownDays?: number;

  @ApiPropertyOptional({ example: '30 6 * * *', description: 'cron of the daily sweep, workspace time zone' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  sweepCron?: string;
}
