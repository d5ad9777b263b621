import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AccessScopeService } from '../auth/access-scope.service';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { EmbedSessionService } from './embed-session.service';
import { signEmbedToken } from './embed-token';

class EmbedTokenDto {
  @ApiProperty({ example: 'rep-001', description: "rep id or the rep's CRM external id" })
  @IsString()
  @MaxLength(200)
  rep!: string;

  @ApiPropertyOptional({ example: 900, description: 'lifetime in seconds (60–3600, default 900)' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(3600)
  ttlSeconds?: number;
}

/**
 * Embed tokens for the CRM UI (the pages are rep/rep-workspace.controller.ts). The CRM mints a short-lived token with its key
 * (`POST /v1/embed-tokens`) and shows `GET /embed/worklist?token=…` in an iframe: no API key reaches the browser.
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
  @ApiOperation({ summary: "Mint a short-lived token for a rep's embeddable call-list page" })
  @ApiCreatedResponse({
    schema: {
      type: 'object',
      required: ['token', 'path', 'expiresAt'],
      properties: {
        token: { type: 'string' },
        path: { type: 'string', example: '/embed/worklist?token=eyJ3b3Jrc3BhY2VJZCI6…' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
  })
  async token(@CurrentPrincipal() p: Principal, @Body() dto: EmbedTokenDto) {
    const rep = await this.scope.readableRep(p, dto.rep);
    const ttl = dto.ttlSeconds ?? 900;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const token = signEmbedToken(
      {
        workspaceId: p.workspaceId,
        repId: rep.id,
        pii: p.role === 'integration' ? 'masked' : 'full',
        exp,
        keyId: p.keyId,
      },
      this.sessions.signingKey,
    );
    return { token, path: `/embed/worklist?token=${token}`, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
