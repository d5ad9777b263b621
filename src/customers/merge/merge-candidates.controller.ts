import { MergeCandidatePageView, MergeCandidateView } from '../customers.views';
import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { PageQuery } from '../../common/page-query';
import { CandidateStatus } from './merge-candidates.repository';
import { MergeCandidate, MergeCandidatesService } from './merge-candidates.service';

const STATUSES: CandidateStatus[] = ['pending', 'accepted', 'rejected', 'superseded'];

class ListCandidatesQuery extends PageQuery({ max: 500, default: 50 }) {
  @ApiPropertyOptional({ description: 'the next page: candidates older than this candidate id (nextBefore)' })
  @IsOptional()
  @IsUUID()
  before?: string;

  @ApiPropertyOptional({ enum: STATUSES, description: 'only candidates in this status (default: all)' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: CandidateStatus;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/merge-candidates')
export class MergeCandidatesController {
  constructor(private readonly candidates: MergeCandidatesService) {}

  /** Possible duplicates a person decides on, newest first (managers: those touching their team's customers). */
  @Get()
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Possible duplicates to decide on, newest first' })
  @ApiOkResponse({ schema: MergeCandidatePageView })
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListCandidatesQuery,
  ): Promise<{ items: MergeCandidate[]; nextBefore: string | null }> {
    return this.candidates.page(p.workspaceId, await this.candidates.deciderFor(p), {
      ...q,
      limit: q.limit ?? 50,
    });
  }

  /** Merges the two customers (the older record wins; audited, undoable at /v1/merges/{id}/undo). */
  @Post(':id/accept')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Merge the two customers (the older record wins; undoable)' })
  @ApiOkResponse({ schema: MergeCandidateView })
  @ApiConflictResponse({ description: 'the candidate was already decided' })
  async accept(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<MergeCandidate> {
    return this.candidates.accept(p.workspaceId, await this.candidates.deciderFor(p), id);
  }

  /** Keeps the two customers apart: the dedupe never merges nor proposes them again. */
  @Post(':id/reject')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Keep the two customers apart for good' })
  @ApiOkResponse({ schema: MergeCandidateView })
  @ApiConflictResponse({ description: 'the candidate was already decided' })
  async reject(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<MergeCandidate> {
    return this.candidates.reject(p.workspaceId, await this.candidates.deciderFor(p), id);
  }
}
