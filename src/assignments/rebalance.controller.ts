import { ProposalListSchema, ProposalSchema } from './assignments.views';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { CreateProposalDto, ProposalListQuery, ProposalQuery } from './rebalance.dto';
import { ProposalView, RebalanceService } from './rebalance.service';

@ApiTags('assignments')
@ApiBearerAuth()
@Controller('v1/rebalance-proposals')
export class RebalanceController {
  constructor(private readonly rebalance: RebalanceService) {}

  /**
   * Computes and stores a proposal that balances the team's expected value and workload (each rep's share in
   * proportion to their daily capacity) while keeping existing relationships where it can. Nothing changes until
   * it is applied. Each move says why, in the reader's language.
   */
  @Post()
  @Roles('manager', 'admin')
  @ApiBody({
    type: CreateProposalDto,
    examples: {
      balance: { value: { teamId: 'team-1' } },
      withPool: {
        summary: 'also hand out the team pool',
        value: { teamId: 'team-1', includePool: true, tolerance: 0.2 },
      },
    },
  })
  @ApiOperation({ summary: 'Compute and store a rebalance proposal (nothing changes until applied)' })
  @ApiCreatedResponse({ schema: ProposalSchema })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateProposalDto): Promise<ProposalView> {
    return this.rebalance.propose(p, dto);
  }

  /** Recent proposals (managers: their team's), newest first. */
  @Get()
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Recent rebalance proposals, newest first' })
  @ApiOkResponse({ schema: ProposalListSchema })
  list(@CurrentPrincipal() p: Principal, @Query() q: ProposalListQuery) {
    return this.rebalance.list(p, q);
  }

  /** A proposal with a page of its moves. */
  @Get(':id')
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'A proposal with a page of its moves' })
  @ApiOkResponse({ schema: ProposalSchema })
  get(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: ProposalQuery,
  ): Promise<ProposalView> {
    return this.rebalance.view(p, id, q);
  }

  /** Applies an open proposal; moves whose account or target changed since the preview are skipped, not forced. */
  @Post(':id/apply')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Apply an open proposal (moves whose account changed since are skipped)' })
  @ApiOkResponse({ schema: ProposalSchema })
  @ApiConflictResponse({ description: 'the proposal is not open' })
  apply(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<ProposalView> {
    return this.rebalance.apply(p, id);
  }

  @Post(':id/discard')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Discard an open proposal' })
  @ApiOkResponse({ schema: ProposalSchema })
  @ApiConflictResponse({ description: 'the proposal is not open' })
  discard(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<ProposalView> {
    return this.rebalance.discard(p, id);
  }
}
