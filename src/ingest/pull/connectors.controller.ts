import { ConnectorListView, ConnectorView, JobQueuedView, WriteBackFailureListView } from '../ingest.views';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { PageQuery } from '../../common/page-query';
import { ConnectorsService } from './connectors.service';

/**
 * Connectors of the caller's workspace: the generic pull connector and CRM-shaped ones (`kind: 'hubspot'`). The body
 * of POST is validated with the zod schema of its kind (connector-config.ts, hubspot-config.ts; unknown fields and
 * bad values → 400 validation_failed with field paths); secrets (auth header value, private app token) are
 * write-only.
 */
class WriteBackFailuresQuery extends PageQuery({ max: 1000, default: 100 }) {}

@ApiTags('crm sync')
@ApiBearerAuth()
@Controller('v1/crm/connectors')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({
    summary:
      'Create or replace (by name) a connector: generic pull, or `kind: "hubspot"`; see docs/crm-sync.md for the fields',
  })
  @ApiBody({ schema: { type: 'object' } })
  // The zod schema validates this body; the global ValidationPipe leaves plain objects alone.
  @ApiCreatedResponse({ schema: ConnectorView })
  @ApiUnprocessableEntityResponse({
    description: 'url_not_allowed: the base URL is not a public http(s) address',
  })
  save(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>) {
    return this.connectors.upsert(p.workspaceId, body, `key:${p.keyId}`);
  }

  @Get()
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'The pull connectors of the workspace' })
  @ApiOkResponse({ schema: ConnectorListView })
  list(@CurrentPrincipal() p: Principal) {
    return this.connectors.list(p.workspaceId);
  }

  @Get(':id')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'One pull connector with its cursors and last run' })
  @ApiOkResponse({ schema: ConnectorView })
  get(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.connectors.get(p.workspaceId, id);
  }

  /** Queues a pull now; the answer carries the job id. */
  @Post(':id/pull')
  @Roles('admin', 'integration')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a pull now' })
  @ApiAcceptedResponse({ schema: JobQueuedView })
  pull(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.connectors.enqueuePull(p.workspaceId, id);
  }

  /** Queues a write-back push now (CRM-shaped connectors); the answer carries the job id. */
  @Post(':id/push')
  @Roles('admin', 'integration')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Write pending score changes back to the CRM now (hubspot, salesforce connectors)',
  })
  @ApiAcceptedResponse({ schema: JobQueuedView })
  @ApiConflictResponse({ description: 'not_supported: a generic connector does not write back' })
  push(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.connectors.enqueuePush(p.workspaceId, id);
  }

  /** The records the CRM refused in write-backs (latest per record), newest first. */
  @Get(':id/write-back-failures')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'Records the CRM refused in write-backs, with its reason' })
  @ApiOkResponse({ schema: WriteBackFailureListView })
  async failures(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: WriteBackFailuresQuery,
  ) {
    const rows = await this.connectors.writeBackFailures(p.workspaceId, id, q.limit ?? 100);
    return rows.map((r) => ({
      externalId: r.external_id,
      outboxEventId: r.outbox_event_id,
      code: r.code,
      message: r.message,
      failedAt: r.failed_at,
    }));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a pull connector' })
  @ApiNoContentResponse({ description: 'deleted' })
  async remove(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    await this.connectors.remove(p.workspaceId, id, `key:${p.keyId}`);
  }
}
