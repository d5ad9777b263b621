import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { parseInstant } from '../common/instant';
import { AccessScopeService } from './access-scope.service';
import { actorOf } from './actor';
import { CreateApiKeyDto, ListApiKeysQuery, RotateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListView, ApiKeyView, CreatedApiKeyView, RotatedApiKeyView } from './api-keys.views';
import { CurrentPrincipal, Principal, Roles } from './principal';

const instant = (s: string | undefined) => (s === undefined ? undefined : parseInstant(s));

/** Key management for a workspace's admins: list, create (with expiry), revoke, rotate. Secrets shown once. */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
@Roles('admin')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly scope: AccessScopeService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the API keys of the workspace (never their secrets)' })
  @ApiOkResponse({ schema: ApiKeyListView })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListApiKeysQuery) {
    return {
      items: await this.keys.list(p.workspaceId, {
        limit: q.limit ?? 100,
        includeRevoked: !!q.includeRevoked,
      }),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One API key' })
  @ApiOkResponse({ schema: ApiKeyView })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.keys.get(p.workspaceId, id);
  }

  @Post()
  @ApiOperation({ summary: 'Create an API key (the secret is in this answer only)' })
  @ApiCreatedResponse({ schema: CreatedApiKeyView })
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreateApiKeyDto) {
    const repId = dto.rep ? (await this.scope.manageableRep(p, dto.rep)).id : null;
    const created = await this.keys.create({
      workspaceId: p.workspaceId,
      name: dto.name,
      role: dto.role,
      repId,
      expiresAt: instant(dto.expiresAt),
      actor: actorOf(p),
    });
    return { ...(await this.keys.get(p.workspaceId, created.id)), key: created.key };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key at once' })
  @ApiOkResponse({ schema: ApiKeyView })
  @ApiConflictResponse({ description: 'key_revoked: the key is already revoked' })
  revoke(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.keys.revoke(p.workspaceId, id, actorOf(p));
  }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'Replace a key by a new one; the old one keeps working for the overlap' })
  @ApiCreatedResponse({ schema: RotatedApiKeyView })
  @ApiConflictResponse({
    description: 'key_inactive: the key is revoked or expired; create a new one instead',
  })
  async rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: RotateApiKeyDto) {
    const rotated = await this.keys.rotate(p.workspaceId, id, {
      overlapSeconds: dto.overlapSeconds,
      expiresAt: instant(dto.expiresAt),
      actor: actorOf(p),
    });
    return {
      ...(await this.keys.get(p.workspaceId, rotated.id)),
      key: rotated.key,
      previous: rotated.previous,
    };
  }
}
