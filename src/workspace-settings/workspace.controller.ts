import { WorkspaceSchema, WorkspaceUpdateSchema } from './workspace.views';
import { Body, Controller, Get, Patch } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WorkspaceSettingsService } from './workspace-settings.service';

/**
 * The caller's workspace: time zone, currency, locale, scoring cron and the settings of every room. The body of
 * PATCH is validated by the zod schema of workspace-change.ts (shape → 400 validation_failed) and the rooms'
 * parsers (values → 422 invalid_settings), each issue with its field path; see docs/workspaces.md.
 */
@ApiTags('workspace')
@ApiBearerAuth()
@Controller('v1/workspace')
export class WorkspaceController {
  constructor(private readonly settings: WorkspaceSettingsService) {}

  @Get()
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'The workspace with every setting (defaults filled in) and its own overrides' })
  @ApiOkResponse({ schema: WorkspaceSchema })
  show(@CurrentPrincipal() p: Principal) {
    return this.settings.show(p.workspaceId);
  }

  @Patch()
  @Roles('admin')
  @ApiOperation({
    summary: 'Change the workspace (audited); answers the changed fields and what the change affects',
  })
  @ApiBody({
    schema: { type: 'object' },
    examples: {
      zone: { value: { timezone: 'Europe/Berlin', currency: 'EUR', locale: 'en' } },
      caps: { value: { settings: { worklist: { contactCaps: { core: { maxCalls: 2, perDays: 7 } } } } } },
      cron: { value: { scoringCron: '30 1 * * *' } },
    },
  })
  // The zod schema validates this body; the global ValidationPipe leaves plain objects alone.
  @ApiOkResponse({ schema: WorkspaceUpdateSchema })
  @ApiUnprocessableEntityResponse({
    description: 'invalid_settings: a value a room refuses (details: path and message per issue)',
  })
  update(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>) {
    return this.settings.update(p.workspaceId, body, actorOf(p));
  }
}
