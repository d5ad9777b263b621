import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AccessScopeService } from '../auth/access-scope.service';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { WorkspacesService, todayIn } from '../workspaces/workspaces.service';
import { WorklistQueryService } from './worklist-query.service';

@ApiTags('worklists')
@ApiBearerAuth()
@Controller('v1/reps')
export class WorklistController {
  constructor(
    private readonly lists: WorklistQueryService,
    private readonly scope: AccessScopeService,
    private readonly workspaces: WorkspacesService,
  ) {}

  /**
   * A rep's ranked call list for a day: each item with its reasons, talk track and offer. A rep key reads only
   * its own list, a manager key their team's; any other rep id answers 404.
   */
  @Get(':repId/worklist')
  @ApiParam({ name: 'repId', description: "rep id (uuid) or the rep's CRM external id", example: 'rep-001' })
  @ApiQuery({
    name: 'date',
    required: false,
    description: 'YYYY-MM-DD; default today in the workspace time zone',
  })
  @ApiOkResponse({ description: 'the published list' })
  async get(@CurrentPrincipal() p: Principal, @Param('repId') repId: string, @Query('date') date?: string) {
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      throw new AppError('invalid_date', 'date must be YYYY-MM-DD', 400, { field: 'date' });
    }
    const rep = await this.scope.readableRep(p, repId);
    const day = date ?? todayIn((await this.workspaces.byId(p.workspaceId)).timezone);
    return this.lists.forRep(p, rep.id, day);
  }
}
