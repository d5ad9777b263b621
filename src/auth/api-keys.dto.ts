import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsInstant } from '../common/is-instant.decorator';
import { PageQuery } from '../common/page-query';
import { ROLES } from './api-key.entity';
import type { Role } from './api-key.entity';
import { MAX_ROTATION_OVERLAP_S } from './api-keys.service';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'crm integration', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    example: 'rep-001',
    description: 'the rep (uuid or CRM external id); rep and manager keys',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  rep?: string;

  @ApiPropertyOptional({
    example: '2027-03-01T00:00:00Z',
    description: 'after this instant the key answers 401 key_expired',
  })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    example: 3600,
    description: `seconds the old key keeps working beside the new one (0–${MAX_ROTATION_OVERLAP_S}; default 0: revoked at once)`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_OVERLAP_S)
  overlapSeconds?: number;

  @ApiPropertyOptional({ description: "the new key's expiry (default: the old key's lifetime, from now)" })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;
}

export class ListApiKeysQuery extends PageQuery({ max: 500, default: 100 }) {
  @ApiPropertyOptional({ default: false, description: 'include revoked keys' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @Type(() => Boolean)
  @IsBoolean()
  includeRevoked?: boolean;
}
