import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Body, Controller, Get, Header, HttpStatus, Inject, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import Handlebars from 'handlebars';
import { AccessScopeService } from '../auth/access-scope.service';
import { ApiKeysService } from '../auth/api-keys.service';
import { CurrentPrincipal, Principal, Public } from '../auth/principal';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { findTemplatesDir } from '../playbooks/playbooks.service';
import { WorklistQueryService } from '../worklist/worklist-query.service';
import { todayIn, WorkspacesService } from '../workspaces/workspaces.service';
import { embedKey } from './embed-key';
import { signEmbedToken, verifyEmbedToken } from './embed-token';
import { TenantScope } from '../database/tenant-scope';
import { isUuid } from '../common/uuid';

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

const LABELS: Record<string, Record<string, string>> = {
  en: {
    title: 'Call list',
    why: 'Why',
    offer: 'Offer',
    talkTrack: 'Talk track',
    urgent: 'urgent',
    priority: 'priority',
  },
  'zh-CN': {
    title: '今日拜访清单',
    why: '原因',
    offer: '优惠',
    talkTrack: '话术',
    urgent: '紧急',
    priority: '优先级',
  },
};

/**
 * The embeddable call-list page for the CRM UI. The CRM mints a short-lived token with its key
 * (`POST /v1/embed-tokens`) and shows `GET /embed/worklist?token=…` in an iframe: no API key reaches the browser.
 */
@ApiTags('embed')
@Controller()
export class WebController {
  private readonly page: HandlebarsTemplateDelegate;
  private readonly key: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly scope: AccessScopeService,
    private readonly lists: WorklistQueryService,
    private readonly workspaces: WorkspacesService,
    private readonly keys: ApiKeysService,
  ) {
    const file = join(findTemplatesDir(), '..', 'web', 'worklist.hbs');
    // A separate Handlebars instance with HTML escaping on: this output is HTML.
    this.page = Handlebars.create().compile(readFileSync(file, 'utf8'), { strict: false });
    this.key = embedKey(config);
  }

  @Post('v1/embed-tokens')
  @ApiBearerAuth()
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
      this.key,
    );
    return { token, path: `/embed/worklist?token=${token}`, expiresAt: new Date(exp * 1000).toISOString() };
  }

  @Get('embed/worklist')
  @Public()
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *")
  @Header('cache-control', 'no-store')
  async worklist(@Query('token') token?: string, @Query('date') date?: string): Promise<string> {
    const signed = token ? verifyEmbedToken(token, this.key) : null;
    // the token is signed: the rest of the request sees its workspace's rows only (row-level security)
    if (signed && isUuid(signed.workspaceId)) TenantScope.bind(signed.workspaceId);
    // revoked at once: the minting key must still work and the rep be active (deactivation, by any path)
    const claims =
      signed &&
      (await this.keys.keyUsable(signed.workspaceId, signed.keyId)) &&
      (await this.keys.repActive(signed.workspaceId, signed.repId))
        ? signed
        : null;
    if (!claims)
      throw new AppError(
        'invalid_embed_token',
        'the embed token is missing, invalid or expired',
        HttpStatus.UNAUTHORIZED,
      );
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new AppError('invalid_date', 'date must be YYYY-MM-DD');
    const ws = await this.workspaces.byId(claims.workspaceId);
    // the page shows the list as its rep sees it: customers reassigned away since publication show as reassigned,
    // without their data, whoever minted the token
    const viewer = await this.scope.repPrincipal(claims.workspaceId, claims.repId, 'embed');
    if (!viewer)
      throw new AppError(
        'invalid_embed_token',
        'the embed token is missing, invalid or expired',
        HttpStatus.UNAUTHORIZED,
      );
    const list = await this.lists.forRep(viewer, claims.repId, date ?? todayIn(ws.timezone), {
      maskPii: claims.pii === 'masked',
    });
    const rep = await this.workspaces.repByExternalId(claims.workspaceId, list.rep.externalId);
    const locale = rep.locale in LABELS ? rep.locale : 'en';
    return this.page({ list, locale, labels: LABELS[locale] });
  }
}
