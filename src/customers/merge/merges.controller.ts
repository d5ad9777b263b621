import { MergePageView, MergeView } from '../customers.views';
import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { PageQuery } from '../../common/page-query';
import { CustomerMergeService, MergeRecord } from './customer-merge.service';

class ListMergesQuery extends PageQuery({ max: 500, default: 50 }) {
  @ApiPropertyOptional({ description: 'the next page: merges older than this merge id (nextBefore)' })
  @IsOptional()
  @IsUUID()
  before?: string;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/merges')
export class MergesController {
  constructor(private readonly merges: CustomerMergeService) {}

  /** Merges of duplicate customers, newest first (managers: those touching their team's customers). */
  @Get()
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Merges of duplicate customers, newest first' })
  @ApiOkResponse({ schema: MergePageView })
  list(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListMergesQuery,
  ): Promise<{ items: MergeRecord[]; nextBefore: string | null }> {
    return this.merges.pageFor(p, { limit: q.limit ?? 50, before: q.before });
  }

  /** Undoes a wrong merge exactly (audited); a later merge of the same winner must be undone first. */
  @Post(':id/undo')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Undo a merge exactly (a later merge of the same winner first)' })
  @ApiOkResponse({ schema: MergeView })
  @ApiConflictResponse({ description: 'a later merge of the winner must be undone first, or already undone' })
  undo(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<MergeRecord> {
    return this.merges.undoFor(p, id);
  }
}
