import { InboundSecretView, InboxListView, ParkedListView, ReprocessView } from './ingest.views';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { PageQuery } from '../common/page-query';
import { CrmInboxService, InboxStatus } from './events/crm-inbox.service';
import { WebhookSecretsService } from './events/webhook-secrets.service';
import { RecordSyncService } from './sync/record-sync.service';

class RotateInboundSecretDto {
  @ApiPropertyOptional({ example: 86400, description: 'seconds the previous secret keeps verifying' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  graceSeconds?: number;
}

class InboxQueryDto extends PageQuery({ max: 1000, default: 100, example: 100 }) {
  @ApiPropertyOptional({ enum: ['pending', 'processed', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'processed', 'failed'])
  status?: InboxStatus;
}

class LimitQueryDto extends PageQuery({ max: 1000, default: 100, example: 100 }) {}

class ReprocessDto {
  @ApiPropertyOptional({ enum: ['failed', 'pending', 'all'], default: 'all' })
  @IsOptional()
  @IsIn(['failed', 'pending', 'all'])
  status?: 'failed' | 'pending' | 'all';

  @ApiPropertyOptional({ example: ['42'], description: 'only these inbox rows' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  // an inbox id is a bigint: 19 digits can pass its range, and PostgreSQL would refuse the cast with a 500
  @Matches(/^\d{1,18}$/, { each: true, message: '$property must hold inbox ids (up to 18 digits each)' })
  ids?: string[];
}

/** Operating inbound CRM sync: the inbound signing secret, the inbox (and reprocessing), parked records. */
@ApiTags('crm sync')
@ApiBearerAuth()
@Controller('v1/crm')
export class CrmSyncAdminController {
  constructor(
    private readonly secrets: WebhookSecretsService,
    private readonly inbox: CrmInboxService,
    private readonly sync: RecordSyncService,
  ) {}

  /** Creates or rotates the workspace's inbound webhook secret; the response shows it once. */
  @Post('webhook-secret/rotate')
  @Roles('admin')
  @ApiOperation({ summary: "Create or rotate the workspace's inbound CRM webhook secret (shown once)" })
  @ApiCreatedResponse({ schema: InboundSecretView })
  rotate(@CurrentPrincipal() p: Principal, @Body() dto: RotateInboundSecretDto) {
    return this.secrets.rotate(p.workspaceId, `key:${p.keyId}`, dto.graceSeconds);
  }

  @Get('inbox')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'Inbound CRM messages, newest first (status, attempts, result)' })
  @ApiOkResponse({ schema: InboxListView })
  list(@CurrentPrincipal() p: Principal, @Query() q: InboxQueryDto) {
    return this.inbox.list(p.workspaceId, q.status, q.limit ?? 100);
  }

  /** Queues stored messages again (after a crash or a fix); applying twice has no second effect. */
  @Post('inbox/reprocess')
  @Roles('admin')
  @ApiOperation({ summary: 'Queue stored inbound messages again (applying twice has no second effect)' })
  @ApiCreatedResponse({ schema: ReprocessView })
  async reprocess(@CurrentPrincipal() p: Principal, @Body() dto: ReprocessDto) {
    const statuses = !dto.status || dto.status === 'all' ? undefined : [dto.status];
    const queued = await this.inbox.reprocess({ workspaceId: p.workspaceId, statuses, ids: dto.ids });
    return { queued };
  }

  /** Orders and interactions waiting for their customer (or tombstones of records not seen yet). */
  @Get('parked')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'Orders and interactions waiting for their customer' })
  @ApiOkResponse({ schema: ParkedListView })
  parked(@CurrentPrincipal() p: Principal, @Query() q: LimitQueryDto) {
    return this.sync.listParked(p.workspaceId, q.limit ?? 100);
  }
}
