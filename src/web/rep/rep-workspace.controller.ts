import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { Public } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { PERSONALITIES } from '../../playbooks/personality';
import { OUTCOMES } from '../../worklist/outcome-rules';
import { SnoozeDto } from '../../worklist/worklist.dto';
import { isDay } from '../../common/calendar-day';
import { todayIn } from '../../workspaces/workspaces.service';
import { contentSecurityPolicy, localeFromAcceptLanguage } from '../embed-page';
import { EmbedDenied, EmbedSession, EmbedSessionService } from '../embed-session.service';
import { CurrentEmbedSession, EmbedTokenGuard } from '../embed-token.guard';
import { PageRenderer } from '../page-renderer';
import { RepWorkspaceService } from './rep-workspace.service';

export class EmbedOutcomeDto {
  @IsIn(OUTCOMES)
  outcome!: (typeof OUTCOMES)[number];

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  /** the wall time in the CUSTOMER's time zone (a datetime-local input), converted to an instant here */
  @ApiPropertyOptional({ example: '2026-11-26T14:30' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { message: 'callbackLocal must be YYYY-MM-DDTHH:mm' })
  callbackLocal?: string;

  @IsOptional()
  @IsIn(PERSONALITIES)
  personality?: (typeof PERSONALITIES)[number];
}

export class EmbedPinDto {
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'endsOn must be YYYY-MM-DD' })
  endsOn?: string;
}

/**
 * The rep workspace, embeddable in the CRM: `GET /embed/worklist?token=` (the page) and `/embed/api/items/…` (what
 * its script calls, with the same token as a bearer). The token authorises exactly its rep's items: anything else
 * answers 404. Each action goes through the same services as the `/v1` API, acting as the token's rep.
 */
@ApiExcludeController()
@Controller('embed')
@Public()
export class RepWorkspaceController {
  constructor(
    private readonly sessions: EmbedSessionService,
    private readonly pages: PageRenderer,
    private readonly workspace: RepWorkspaceService,
  ) {}

  @Get('worklist')
  async page(
    @Req() req: Request,
    @Res() res: Response,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Query('token') token?: string,
    @Query('date') date?: string,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    let session: EmbedSession;
    try {
      session = await this.sessions.open(token, req.ip);
    } catch (e) {
      if (!(e instanceof EmbedDenied)) throw e;
      res.setHeader('content-security-policy', contentSecurityPolicy(['*']));
      res
        .status(e.status)
        .type('html')
        .send(this.pages.errorPage(localeFromAcceptLanguage(acceptLanguage), e.denial));
      return;
    }
    // a calendar day, not just its shape: 2026-02-30 reached PostgreSQL and came back a 500
    if (date !== undefined && !isDay(date))
      throw new AppError('invalid_date', 'date must be a calendar day YYYY-MM-DD', 400, { field: 'date' });
    const html = await this.workspace.page(session, date ?? todayIn(session.workspace.timezone));
    res.setHeader('content-security-policy', contentSecurityPolicy(session.frameAncestors));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    res.setHeader('server-timing', `render;dur=${ms.toFixed(1)}`);
    res.status(200).type('html').send(html);
  }

  @Get('static/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const file = this.pages.asset(name);
    if (!file) throw AppError.notFound('file');
    res.setHeader('cache-control', 'public, max-age=300');
    res.setHeader('x-content-type-options', 'nosniff');
    res.type(file.type).send(file.body);
  }

  @Get('api/items/:id')
  @UseGuards(EmbedTokenGuard)
  async drawer(@CurrentEmbedSession() session: EmbedSession, @Param('id') id: string, @Res() res: Response) {
    const started = process.hrtime.bigint();
    const html = await this.workspace.drawer(session, id);
    res.setHeader('cache-control', 'no-store');
    res.setHeader(
      'server-timing',
      `render;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)}`,
    );
    res.type('html').send(html);
  }

  @Post('api/items/:id/outcome')
  @HttpCode(201)
  @UseGuards(EmbedTokenGuard)
  outcome(
    @CurrentEmbedSession() session: EmbedSession,
    @Param('id') id: string,
    @Body() body: EmbedOutcomeDto,
  ) {
    return this.workspace.outcome(acting(session), id, body);
  }

  @Post('api/items/:id/snooze')
  @HttpCode(201)
  @UseGuards(EmbedTokenGuard)
  snooze(@CurrentEmbedSession() session: EmbedSession, @Param('id') id: string, @Body() body: SnoozeDto) {
    return this.workspace.snooze(acting(session), id, body);
  }

  /** The rep's personality statement about the item's customer (PUT /v1/customers/{id}/personality's body). */
  @Post('api/items/:id/personality')
  @HttpCode(201)
  @UseGuards(EmbedTokenGuard)
  personality(
    @CurrentEmbedSession() session: EmbedSession,
    @Param('id') id: string,
    // the personality parser validates it (422 with field paths); the global ValidationPipe leaves plain objects alone
    @Body() body: Record<string, unknown>,
  ) {
    return this.workspace.personality(acting(session), id, body);
  }

  /** The questionnaire for the item's customer (POST /v1/customers/{id}/personality/questionnaire's body). */
  @Post('api/items/:id/personality/questionnaire')
  @HttpCode(201)
  @UseGuards(EmbedTokenGuard)
  questionnaire(
    @CurrentEmbedSession() session: EmbedSession,
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
  ) {
    return this.workspace.questionnaire(acting(session), id, body);
  }

  @Post('api/items/:id/pin')
  @HttpCode(201)
  @UseGuards(EmbedTokenGuard)
  pin(@CurrentEmbedSession() session: EmbedSession, @Param('id') id: string, @Body() body: EmbedPinDto) {
    return this.workspace.pin(acting(session), id, body);
  }
}

/** The session, when its token may record calls (tokens minted by integration keys only show the list). */
function acting(session: EmbedSession): EmbedSession {
  if (session.readOnly)
    throw new AppError('read_only_embed_token', 'this token shows the list but records nothing', 403);
  return session;
}
