import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AccessScopeService } from '../auth/access-scope.service';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { EmbedSessionService } from './embed-session.service';
import { signEmbedToken } from './embed-token';

class EmbedTokenDto {
  @ApiProperty({
    example: 'rep-001',
    description:
      "rep id or the rep's CRM external id: whose call list (kind rep), or who looks at the dashboard (kind " +
      'manager: a rep whose role is manager or admin)',
  })
  @IsString()
  @MaxLength(200)
  rep!: string;

  @ApiPropertyOptional({ example: 900, description: 'lifetime in seconds (60–3600, default 900)' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(3600)
  ttlSeconds?: number;

  @ApiPropertyOptional({
    enum: ['rep', 'manager'],
    default: 'rep',
    description: "rep: the rep's call list (/embed/worklist); manager: a team's dashboard (/embed/manager)",
  })
  @IsOptional()
  @IsIn(['rep', 'manager'])
  kind?: 'rep' | 'manager';

  @ApiPropertyOptional({
    example: 'team-north',
    description:
      "kind manager: the team (id or CRM external id) the dashboard shows; default the manager's own team. " +
      'Both the calling key and the manager must be able to manage it (404 otherwise).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  team?: string;
}

/**
 * Embed tokens for the CRM UI (the pages are rep/rep-workspace.controller.ts and manager/manager-dashboard.controller.ts).
 * The CRM mints a short-lived token with its key (`POST /v1/embed-tokens`) and shows `GET /embed/worklist?token=…`
 * or `GET /embed/manager?token=…` in an iframe: no API key reaches the browser.
 */
@ApiTags('embed')
@Controller()
export class WebController {
  constructor(
    private readonly scope: AccessScopeService,
    private readonly sessions: EmbedSessionService,
  ) {}

  @Post('v1/embed-tokens')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Mint a short-lived token for a rep's embeddable call list or a team's manager dashboard",
  })
  @ApiCreatedResponse({
    schema: {
      type: 'object',
      required: ['token', 'path', 'expiresAt'],
      properties: {
        token: { type: 'string' },
        path: {
          type: 'string',
          example: '/embed/worklist?token=eyJ3b3Jrc3BhY2VJZCI6…',
          description: '/embed/worklist?token=… (kind rep) or /embed/manager?token=… (kind manager)',
        },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
  })
  @ApiUnprocessableEntityResponse({
    description: 'not_a_manager: a manager dashboard token names a viewer whose role is not manager or admin',
  })
  async token(@CurrentPrincipal() p: Principal, @Body() dto: EmbedTokenDto) {
    const rep = await this.scope.readableRep(p, dto.rep);
    const ttl = dto.ttlSeconds ?? 900;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const manager = dto.kind === 'manager' ? await this.dashboardTeam(p, rep.id, dto.team) : null;
    const token = signEmbedToken(
      {
        workspaceId: p.workspaceId,
        repId: rep.id,
        ...(manager ? { kind: 'manager' as const, teamId: manager } : {}),
        pii: p.role === 'integration' ? 'masked' : 'full',
        exp,
        keyId: p.keyId,
      },
      this.sessions.signingKey,
    );
    const page = manager ? 'manager' : 'worklist';
    return { token, path: `/embed/${page}?token=${token}`, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The team a manager token may show: one the viewer (a manager or admin rep) manages and the calling key too, so
   * a token never opens more than either could see through the API.
   */
  private async dashboardTeam(p: Principal, viewerId: string, teamRef: string | undefined): Promise<string> {
    const viewer = await this.scope.repPrincipal(p.workspaceId, viewerId, p.keyId);
    if (!viewer || (viewer.role !== 'manager' && viewer.role !== 'admin'))
      throw new AppError('not_a_manager', 'the dashboard is for reps whose role is manager or admin', 422, {
        field: 'rep',
      });
    const ref = teamRef ?? (await this.scope.managerTeamId(viewer));
    if (!ref)
      throw new AppError('team_required', 'name the team the dashboard shows', 400, { field: 'team' });
    const team = await this.scope.manageableTeam(viewer, ref);
    await this.scope.manageableTeam(p, team.id);
    return team.id;
  }
}
