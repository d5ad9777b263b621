import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../common/page-query';

export class CreateProposalDto {
  @ApiProperty({ description: 'the team (uuid or external id); managers: their own', example: 'team-1' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  teamId!: string;

  @ApiPropertyOptional({
    enum: ['full', 'orphans'],
    default: 'full',
    description: "'orphans' only rehomes accounts of inactive reps (and pool accounts with includePool)",
  })
  @IsOptional()
  @IsIn(['full', 'orphans'])
  mode?: 'full' | 'orphans';

  @ApiPropertyOptional({
    description: 'band around each fair share (default: workspace setting, 0.15)',
    example: 0.15,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1)
  tolerance?: number;

  @ApiPropertyOptional({ description: "also hand out the team pool's accounts", default: false })
  @IsOptional()
  @IsBoolean()
  includePool?: boolean;
}

export class ProposalQuery extends PageQuery({ max: 1000, default: 200, description: 'moves per page' }) {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  offset?: number;
}

export class ProposalListQuery {
  @ApiPropertyOptional({ description: 'team (uuid or external id); managers see only their own' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  teamId?: string;

  @ApiPropertyOptional({ enum: ['open', 'applied', 'discarded'] })
  @IsOptional()
  @IsIn(['open', 'applied', 'discarded'])
  status?: 'open' | 'applied' | 'discarded';
}

export class DeactivateRepDto {
  @ApiPropertyOptional({ description: 'why, for the audit log', example: 'left the company' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}
