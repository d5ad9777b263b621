import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { PageQuery } from '../common/page-query';
import { SyncRejectListView, SyncRejectReplayView } from './ingest.views';
import { SYNC_REJECT_KINDS, SyncRejectKind, SyncRejectsService } from './sync-rejects.service';

class RejectsQueryDto extends PageQuery({ max: 1000, default: 100, example: 100 }) {
  @ApiPropertyOptional({ enum: SYNC_REJECT_KINDS })
  @IsOptional()
  @IsIn(SYNC_REJECT_KINDS)
  kind?: SyncRejectKind;
}

class ReplayDto {
  @ApiPropertyOptional({ enum: SYNC_REJECT_KINDS, description: 'only this kind (default: all)' })
  @IsOptional()
  @IsIn(SYNC_REJECT_KINDS)
  kind?: SyncRejectKind;

  @ApiPropertyOptional({
    example: ['inbox:42', 'pull:7'],
    description: 'only these (ids from GET /v1/sync/rejects)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(2100, { each: true })
  ids?: string[];
}

/** What sync accepted and then parked or could not apply, in one list, and its replay (docs/crm-sync.md#rejects). */
@ApiTags('crm sync')
@ApiBearerAuth()
@Controller('v1/sync')
export class SyncRejectsController {
  constructor(private readonly rejects: SyncRejectsService) {}

  @Get('rejects')
  @Roles('admin', 'integration')
  @ApiOperation({
    summary:
      'What sync accepted and could not apply (failed webhook messages, parked and rejected pull records), newest first',
  })
  @ApiOkResponse({ schema: SyncRejectListView })
  list(@CurrentPrincipal() p: Principal, @Query() q: RejectsQueryDto) {
    return this.rejects.list(p.workspaceId, q.limit ?? 100, q.kind);
  }

  /** Applies again after a fix: failed webhook messages are queued, parked and pull records applied now. */
  @Post('rejects/replay')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Apply rejected sync records again after a fix (all, one kind, or the given ids)',
  })
  @ApiOkResponse({ schema: SyncRejectReplayView })
  @ApiUnprocessableEntityResponse({
    description: 'invalid_reject_ids: an id is not one from GET /v1/sync/rejects',
  })
  replay(@CurrentPrincipal() p: Principal, @Body() dto: ReplayDto) {
    // @IsOptional lets an explicit null through: null means "not given", as an absent key does
    return this.rejects.replay(p.workspaceId, {
      kind: dto.kind ?? undefined,
      ids: dto.ids ?? undefined,
      actor: actorOf(p),
    });
  }
}
