import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const EVENT_TYPES = ['worklist.published', 'scores.updated', 'assignment.changed'];

class CreateEndpointDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/callplan' })
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ example: ['worklist.published'], description: 'empty = every event type' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsIn(EVENT_TYPES, { each: true })
  eventTypes?: string[];
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-endpoints')
export class WebhooksController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  /** Registers an outbound endpoint; the response carries its signing secret, shown only once. */
  @Post()
  @Roles('admin', 'integration')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateEndpointDto) {
    return this.endpoints.create(p.workspaceId, dto.url, dto.eventTypes ?? []);
  }

  @Get()
  @Roles('admin', 'integration')
  list(@CurrentPrincipal() p: Principal) {
    return this.endpoints.list(p.workspaceId);
  }
}
