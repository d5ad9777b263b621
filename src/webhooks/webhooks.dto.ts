import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Omittable } from '../common/omittable.decorator';
import { PageQuery } from '../common/page-query';
import { EVENT_TYPES } from './event-types';

const EVENT_TYPE_LIST = [...EVENT_TYPES];

export class CreateEndpointDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/callplan', description: 'public http(s) URL' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({
    example: ['worklist.published'],
    description: 'empty = every event type',
    enum: EVENT_TYPE_LIST,
    isArray: true,
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsIn(EVENT_TYPE_LIST, { each: true })
  eventTypes?: string[];
}

export class UpdateEndpointDto {
  @ApiPropertyOptional({ example: 'https://crm.example.com/hooks/callplan-v2' })
  @Omittable()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({
    example: ['worklist.published', 'endpoint.disabled'],
    enum: EVENT_TYPE_LIST,
    isArray: true,
  })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsIn(EVENT_TYPE_LIST, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({
    description: 'false disables the endpoint, true enables it (and clears its failure streak)',
  })
  @Omittable()
  @IsBoolean()
  active?: boolean;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    default: 24,
    minimum: 0,
    maximum: 168,
    description: 'hours during which deliveries carry the previous secret’s signature too',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(168)
  overlapHours?: number;
}

export class RecoverDto {
  @ApiProperty({
    example: '2026-12-01T00:00:00Z',
    description: 'replay failed deliveries created since this time',
  })
  @Type(() => Date)
  @IsDate()
  since!: Date;
}

export class TestSendDto {
  @ApiPropertyOptional({ example: 'worklist.published', enum: EVENT_TYPE_LIST })
  @IsOptional()
  @IsString()
  @IsIn(EVENT_TYPE_LIST)
  eventType?: string;
}

export class DeliveriesQuery extends PageQuery({ max: 500, default: 50 }) {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed', 'dead'])
  status?: 'pending' | 'delivered' | 'failed' | 'dead';

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'created at or after' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;

  @ApiPropertyOptional({ example: '2026-12-08T00:00:00Z', description: 'created before' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date;

  @ApiPropertyOptional({ description: 'the last delivery id of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/)
  before?: string;
}
