import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccessScopeService } from '../auth/access-scope.service';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { answerPage } from './content-coding';
import { DEFAULT_PAGE_SIZE } from './list-paging';
import { myListAlias } from './served-list.door';
import { isDay } from './zoned-time';
import { WorklistOutcomesService } from './worklist-outcomes.service';
import { WorklistQueryService } from './worklist-query.service';
import { AttributionQueryDto, ListQueryDto } from './worklist.dto';
import { AttributionView, ErrorView, WorklistView } from './worklist.views';

const IF_NONE_MATCH = {
  name: 'If-None-Match',
  required: false,
  description: 'ETag of a previous answer: 304 with no body while the list (this page) is unchanged',
};
const NOT_MODIFIED = {
  status: 304,
  description: "the list has not changed since the ETag you sent (either representation's)",
};
/** The headers of a list page (content-coding.ts): each representation has its own ETag. */
const PAGE_HEADERS = {
  ETag: {
    description: 'strong ETag of this representation; the gzip one ends in `-gzip"`',
    schema: { type: 'string' },
  },
  Vary: { description: '`Accept-Encoding`', schema: { type: 'string' } },
  'Content-Encoding': {
    description: "`gzip` when the request's Accept-Encoding accepts it (RFC 9110 §12.5.3); absent otherwise",
    schema: { type: 'string' },
  },
};

/** Daily call lists: a rep's own list, a team member's list, and what a rep's calls brought in. */
@ApiTags('worklists')
@ApiBearerAuth()
@Controller('v1')
export class WorklistController {
  constructor(
    private readonly lists: WorklistQueryService,
    private readonly outcomes: WorklistOutcomesService,
    private readonly scope: AccessScopeService,
  ) {}

  @Get('me/worklist')
  @ApiOperation({
    summary: "The caller's own call list",
    description:
      'For rep and manager keys (bound to a rep). Items are in working order and keep their ranks all day; done and ' +
      'snoozed items leave the list (state=all shows them), urgent inserts appear on top marked urgent. Paginated ' +
      'with limit/cursor; answers carry an ETag (send it as If-None-Match for a 304) and are gzip-compressed when ' +
      'Accept-Encoding allows it.',
  })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ type: WorklistView, description: 'one page of the list', headers: PAGE_HEADERS })
  @ApiResponse(NOT_MODIFIED)
  @ApiNotFoundResponse({
    type: ErrorView,
    description: 'no list for that day, or the key is not bound to a rep',
  })
  async mine(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!p.repId) throw new AppError('worklist_not_found', 'this API key is not bound to a rep', 404);
    // remembered under this URL too: ServedListDoor answers it next time at the front of the stack
    await this.send(p, p.repId, q, ifNoneMatch, acceptEncoding, res, myListAlias(p, req.originalUrl));
  }

  @Get('reps/:repId/worklist')
  @ApiOperation({
    summary: "A rep's call list",
    description:
      "A rep key reads only its own list, a manager key their team's, an admin key any in the workspace; any other " +
      'rep id answers 404. Same paging, ETags and compression as /v1/me/worklist.',
  })
  @ApiParam({ name: 'repId', description: "rep id (uuid) or the rep's CRM external id", example: 'rep-001' })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ type: WorklistView, headers: PAGE_HEADERS })
  @ApiResponse(NOT_MODIFIED)
  @ApiNotFoundResponse({ type: ErrorView })
  async get(
    @CurrentPrincipal() p: Principal,
    @Param('repId') repId: string,
    @Query() q: ListQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const rep = await this.scope.readableRep(p, repId);
    await this.send(p, rep.id, q, ifNoneMatch, acceptEncoding, res);
  }

  @Get('reps/:repId/worklist-attribution')
  @ApiOperation({
    summary: "Orders attributed to a rep's calls",
    description:
      'Calls the rep logged between from and to (days in the workspace zone) by outcome, and the paid orders placed ' +
      'within attributionWindowDays after a call where the rep talked to the customer (last touch across reps).',
  })
  @ApiParam({ name: 'repId', example: 'rep-001' })
  @ApiOkResponse({ type: AttributionView })
  @ApiNotFoundResponse({ type: ErrorView })
  async attribution(
    @CurrentPrincipal() p: Principal,
    @Param('repId') repId: string,
    @Query() q: AttributionQueryDto,
  ): Promise<AttributionView> {
    const rep = await this.scope.readableRep(p, repId);
    return this.outcomes.attribution(p.workspaceId, rep.id, q.from, q.to);
  }

  private async send(
    p: Principal,
    repId: string,
    q: ListQueryDto,
    ifNoneMatch: string | undefined,
    acceptEncoding: string | undefined,
    res: Response,
    alias?: string,
  ): Promise<void> {
    if (q.date !== undefined && !isDay(q.date)) {
      throw new AppError('invalid_date', 'date must be YYYY-MM-DD', 400, { field: 'date' });
    }
    const page = {
      state: q.state ?? 'open',
      limit: q.limit ?? DEFAULT_PAGE_SIZE,
      cursor: q.cursor,
      talkTrack: q.omit !== 'talkTrack',
    };
    const served = await this.lists.read(p, repId, q.date ?? null, page, ifNoneMatch, alias);
    // the door's answer for the same request, byte for byte (served-from-memory.test.ts compares them); read()
    // gives bodies whenever no 304 is due, so an answer is always there
    const answer = answerPage(served, ifNoneMatch, acceptEncoding)!;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }
}
