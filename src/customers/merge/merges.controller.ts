import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { actorOf } from '../../audit/actor';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { RepScopeService } from '../rep-scope.service';
import { CustomerMergeService, MergeRecord } from './customer-merge.service';

class ListMergesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'the next page: merges older than this merge id (nextBefore)' })
  @IsOptional()
  @IsUUID()
  before?: string;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/merges')
export class MergesController {
  constructor(
    private readonly merges: CustomerMergeService,
    private readonly scopes: RepScopeService,
  ) {}

  /** Merges of duplicate customers, newest first (managers: those touching their team's customers). */
  @Get()
  @Roles('manager', 'admin')
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListMergesQuery,
  ): Promise<{ items: MergeRecord[]; nextBefore: string | null }> {
    const scope = await this.scopes.of(p);
    const limit = q.limit ?? 50;
    const items = await this.merges.list(p.workspaceId, limit, {
      before: q.before,
      ownerRepIds: scope.all ? undefined : [...scope.repIds],
    });
    return { items, nextBefore: items.length === limit ? items[items.length - 1].id : null };
  }

  /** Undoes a wrong merge exactly (audited); a later merge of the same winner must be undone first. */
  @Post(':id/undo')
  @HttpCode(200)
  @Roles('manager', 'admin')
  async undo(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<MergeRecord> {
    const merge = await this.merges.get(p.workspaceId, id);
    const scope = await this.scopes.of(p);
    if (!merge || !(scope.all || merge.ownerRepIds.some((r) => r !== null && scope.repIds.has(r)))) {
      throw AppError.notFound('merge');
    }
    return this.merges.undo(p.workspaceId, id, actorOf(p));
  }
}
