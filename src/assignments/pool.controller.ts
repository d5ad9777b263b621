import {
  ClaimResultSchema,
  PoolPageSchema,
  PoolPolicySchema,
  RemindersSchema,
  SweepReportSchema,
} from './assignments.views';
import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ClaimDto, PoolQuery, PoolSettingsDto, RemindersQuery } from './pool.dto';
import { PoolScheduler } from './pool.scheduler';
import { PoolService } from './pool.service';

@ApiTags('pool')
@ApiBearerAuth()
@Controller('v1/pool')
export class PoolController {
  constructor(
    private readonly pool: PoolService,
    private readonly scheduler: PoolScheduler,
    private readonly workspaces: WorkspacesService,
  ) {}

  /**
   * Unowned accounts, best expected value first: reps and managers see their team's pool and the workspace pool,
   * admins every pool. For reps, what they may still claim today.
   */
  @Get()
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Unowned accounts, best expected value first' })
  @ApiOkResponse({ schema: PoolPageSchema })
  list(@CurrentPrincipal() p: Principal, @Query() q: PoolQuery) {
    return this.pool.list(p, q);
  }

  /**
   * A rep takes accounts from the pool, all or nothing: 404 for ids not in a pool they may claim from, 409
   * (`daily_claim_limit`, `holding_cap`, `reclaim_cooldown`, `pool_disabled`) when a rule says no.
   */
  @Post('claims')
  @HttpCode(200)
  @Roles('rep')
  @ApiBody({ type: ClaimDto, examples: { one: { value: { customerIds: ['1042'] } } } })
  @ApiOperation({ summary: 'Take accounts from the pool, all or nothing' })
  @ApiOkResponse({ schema: ClaimResultSchema })
  @ApiConflictResponse({ description: 'daily_claim_limit, holding_cap, reclaim_cooldown or pool_disabled' })
  claim(@CurrentPrincipal() p: Principal, @Body() dto: ClaimDto) {
    return this.pool.claim(p, dto.customerIds);
  }

  /** Accounts about to return to the pool because their owner has not followed up (rep: own; manager: team). */
  @Get('reminders')
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Accounts about to return to the pool for lack of follow-up' })
  @ApiOkResponse({ schema: RemindersSchema })
  reminders(@CurrentPrincipal() p: Principal, @Query() q: RemindersQuery) {
    return this.pool.reminders(p, q.limit);
  }

  /** The workspace's pool rules (with defaults filled in). */
  @Get('settings')
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({ summary: "The workspace's pool rules (defaults filled in)" })
  @ApiOkResponse({ schema: PoolPolicySchema })
  async settings(@CurrentPrincipal() p: Principal) {
    return (await this.pool.policy(p.workspaceId)).policy;
  }

  /** Changes the pool rules (admins); audited. A new sweep time takes effect at once. */
  @Patch('settings')
  @Roles('admin')
  @ApiBody({
    type: PoolSettingsDto,
    examples: {
      stricter: { value: { followUpDays: { core: 21 }, dailyClaimLimit: 10 } },
      neverCore: { summary: 'core accounts never lapse', value: { followUpDays: { core: null } } },
    },
  })
  @ApiOperation({ summary: 'Change the pool rules (audited)' })
  @ApiOkResponse({ schema: PoolPolicySchema })
  @ApiUnprocessableEntityResponse({
    description: 'invalid_settings: a rule the pool refuses (details: path and message per issue)',
  })
  async updateSettings(@CurrentPrincipal() p: Principal, @Body() dto: PoolSettingsDto) {
    // drop keys the transformer left undefined, so a partial change never blanks a stored value
    const patch = JSON.parse(JSON.stringify(dto)) as Record<string, unknown>;
    const policy = await this.pool.updateSettings(p, patch);
    const ws = await this.workspaces.byId(p.workspaceId);
    await this.scheduler.register(p.workspaceId, policy.sweepCron, ws.timezone);
    return policy;
  }

  /** Runs the sweep now (admins), e.g. after changing the rules; the scheduler runs it daily anyway. */
  @Post('sweeps')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Run the pool sweep now' })
  @ApiOkResponse({ schema: SweepReportSchema })
  sweep(@CurrentPrincipal() p: Principal) {
    return this.pool.sweep(p.workspaceId, new Date(), actorOf(p));
  }
}
