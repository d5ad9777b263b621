import { ConnectorListView, ConnectorView, JobQueuedView } from '../ingest.views';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { ConnectorsService } from './connectors.service';

/**
 * Pull connectors of the caller's workspace. The body of POST is validated with the zod schema of
 * connector-config.ts (unknown fields and bad values → 400 validation_failed with field paths); the auth header
 * value is write-only.
 */
@ApiTags('crm sync')
@ApiBearerAuth()
@Controller('v1/crm/connectors')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({
    summary: 'Create or replace (by name) a pull connector; see docs/crm-sync.md for the fields',
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
