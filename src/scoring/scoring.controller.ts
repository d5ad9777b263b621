import {
  RunScoresPageSchema,
  ScoreRunListSchema,
  ScoreRunSchema,
  ScoreRunStartedSchema,
  RunAccuracySchema,
} from './scoring.views';
import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsDateString, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { PageQuery } from '../common/page-query';
import { ForecastAccuracyService } from './forecast-accuracy.service';
import { ScoreRunService } from './score-run.service';

class StartRunDto {
  @ApiPropertyOptional({
    example: '2026-11-24',
    description: 'score as if today were this date (default: today in the workspace time zone)',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  asOf?: string;

  @ApiPropertyOptional({ example: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  horizonDays?: number;
}

class RunScoresQuery extends PageQuery({ max: 10_000, default: 1000 }) {
  @ApiPropertyOptional({
    description: 'customer id after which the page starts (nextAfter of the previous page)',
  })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'after must be a customer id from a previous page' })
  after?: string;
}

@ApiTags('scoring')
@ApiBearerAuth()
@Controller('v1/score-runs')
export class ScoringController {
  constructor(
    private readonly runs: ScoreRunService,
    private readonly accuracy: ForecastAccuracyService,
  ) {}

  /** Starts a scoring run (or returns the one already running: one run per workspace at a time). */
  @Post()
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'Start a scoring run (or get the one already running)' })
  @ApiCreatedResponse({ schema: ScoreRunStartedSchema })
  async start(@CurrentPrincipal() p: Principal, @Body() dto: StartRunDto) {
    const { run, started } = await this.runs.start({
      workspaceId: p.workspaceId,
      asOf: dto.asOf?.slice(0, 10),
      horizonDays: dto.horizonDays,
      trigger: 'api',
    });
    return { started, run };
  }

  @Get()
  @Roles('admin', 'manager', 'integration')
  @ApiOperation({ summary: 'The latest scoring runs' })
  @ApiOkResponse({ schema: ScoreRunListSchema })
  list(@CurrentPrincipal() p: Principal) {
    return this.runs.latest(p.workspaceId);
  }

  /** A run with its progress (chunks done / total) and, once finished, its report. */
  @Get(':id')
  @Roles('admin', 'manager', 'integration')
  @ApiOperation({ summary: 'A run with its progress and, once finished, its report' })
  @ApiOkResponse({ schema: ScoreRunSchema })
  get(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.runs.get(p.workspaceId, id);
  }

  @Get(':id/accuracy')
  @Roles('admin', 'manager', 'integration')
  @ApiOperation({
    summary: "A run's self-backtest: how right each candidate model was, and which one the scores use",
    description:
      'Per candidate model (BG/NBD, MBG/NBD, Pareto/NBD) and backtest horizon h: fitted on the history up to ' +
      'as-of − h, compared with the h days that followed — aggregate error, MAE, RMSE, AUC, top-decile capture, ' +
      'calibration by decile, degenerate-fit flags — and the model chosen, its correction and why. AUC ("buys ' +
      'again in the h days") ranks customers by the model\'s P(at least one purchase); the other figures use its ' +
      'expected purchases.',
  })
  @ApiOkResponse({ schema: RunAccuracySchema })
  accuracyOf(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.accuracy.forRun(p.workspaceId, id);
  }

  @Get(':id/scores')
  @Roles('admin', 'integration')
  @ApiOperation({
    summary: "A run's scores, a page at a time",
    description:
      'Any completed run of the workspace, a backtest included, in customer id order (pass nextAfter as after). ' +
      '409 while the run is not completed; 410 once its full rows are no longer kept.',
  })
  @ApiOkResponse({ schema: RunScoresPageSchema })
  @ApiConflictResponse({ description: 'run_not_completed: the run is not completed yet' })
  @ApiGoneResponse({ description: "the run's full rows are no longer kept" })
  scores(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: RunScoresQuery,
  ) {
    return this.runs.scores(p.workspaceId, id, { after: q.after, limit: q.limit });
  }
}
