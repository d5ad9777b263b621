import { AssignmentHistorySchema } from './assignments.views';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { AssignDto, AssignmentHistoryQuery, AssignmentResultView } from './assignment.dto';
import { AssignmentService } from './assignment.service';

@ApiTags('assignments')
@ApiBearerAuth()
@Controller('v1/assignments')
export class AssignmentsController {
  constructor(private readonly assignments: AssignmentService) {}

  /**
   * Gives accounts to a rep, or releases them to the pool — one customer or up to 10,000 in one set-based
   * statement. Managers: only customers of their team (or its pool / the workspace pool) and reps of their team;
   * anything out of scope answers 404 as if it did not exist. Every change lands in the assignment history and the
   * audit log, and goes to the CRM as `assignment.changed` events.
   */
  @Post()
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOkResponse({ type: AssignmentResultView })
  @ApiBody({
    type: AssignDto,
    examples: {
      bulk: {
        summary: 'core accounts to a new key-account rep',
        value: { customerIds: ['1042', '1043', '1057'], toRepId: 'rep-007', note: 'key-account split' },
      },
      byCrmId: {
        summary: 'one account, by CRM id',
        value: { customerExternalIds: ['C-000123'], toRepId: 'rep-003' },
      },
      release: { summary: 'back to the team pool', value: { customerIds: ['1042'], toPool: true } },
    },
  })
  @ApiOperation({ summary: 'Give accounts to a rep, or release them to the pool (up to 10,000)' })
  assign(@CurrentPrincipal() p: Principal, @Body() dto: AssignDto): Promise<AssignmentResultView> {
    return this.assignments.assign(p, dto);
  }

  /** Who owned a customer when, and why — or every move to and from one rep. Newest first. */
  @Get()
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Who owned a customer when and why, or every move of one rep; newest first' })
  @ApiOkResponse({ schema: AssignmentHistorySchema })
  history(@CurrentPrincipal() p: Principal, @Query() q: AssignmentHistoryQuery) {
    return this.assignments.history(p, q);
  }
}
