import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { Public } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { isUuid } from '../../common/uuid';
import { contentSecurityPolicy, localeFromAcceptLanguage } from '../embed-page';
import { EmbedDenied, EmbedSession, EmbedSessionService } from '../embed-session.service';
import { CurrentEmbedSession, ManagerEmbedTokenGuard } from '../embed-token.guard';
import { MANAGER_UI } from '../page-labels';
import { PageRenderer } from '../page-renderer';
import { ECHARTS_PATH, echartsBuild } from './echarts-asset';
import { ManagerDashboardService } from './manager-dashboard.service';

/** The search filters of GET /v1/customers (values checked by parseListFilters, which names the field in its 400). */
export class DashboardCustomerQuery {
  @IsOptional() @IsString() @MaxLength(200) tier?: string;
  @IsOptional() @IsString() @MaxLength(200) lifecycle?: string;
  @IsOptional() @IsString() @MaxLength(400) segment?: string;
  @IsOptional() @IsString() @MaxLength(200) owner?: string;
  @IsOptional() @IsString() @MaxLength(1000) q?: string;
  @IsOptional() @IsString() @MaxLength(20) sort?: string;
}

export class DashboardExportQuery extends DashboardCustomerQuery {
  @IsOptional() @IsString() @MaxLength(4000) token?: string;
}

/**
 * The manager dashboard, embeddable in the CRM: `GET /embed/manager?token=` (a manager token: one team, as its
 * manager or an admin) and `/embed/api/manager/…` (what its script calls with the same token as a bearer). A rep's
 * token, or a team the viewer no longer manages, gets 403; a missing or bad token 401 — the rep page's answers.
 */
@ApiExcludeController()
@Controller('embed')
@Public()
export class ManagerDashboardController {
  constructor(
    private readonly sessions: EmbedSessionService,
    private readonly pages: PageRenderer,
    private readonly dashboard: ManagerDashboardService,
  ) {}

  @Get('manager')
  async page(
    @Req() req: Request,
    @Res() res: Response,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Query('token') token?: string,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const session = await this.openPage(req, res, acceptLanguage, token);
    if (!session) return;
    const html = await this.dashboard.page(session);
    res.setHeader('content-security-policy', contentSecurityPolicy(session.frameAncestors));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    res.setHeader('server-timing', `render;dur=${ms.toFixed(1)}`);
    res.status(200).type('html').send(html);
  }

  /**
   * The customer search's CSV, as a plain link (`?token=` like the page: a download cannot send a bearer header).
   * Same rows, scope and formula-safe cells as GET /v1/customers/export.csv.
   */
  @Get('manager/customers.csv')
  async exportCsv(
    @Req() req: Request,
    @Res() res: Response,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Query() query: DashboardExportQuery,
  ): Promise<void> {
    const { token, ...filters } = query;
    const session = await this.openPage(req, res, acceptLanguage, token);
    if (!session) return;
    const stream = await this.dashboard.exportCsv(session, filters);
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="customers.csv"');
    await stream(
      (chunk) =>
        new Promise<void>((resolve) => {
          if (res.write(chunk)) resolve();
          else res.once('drain', resolve);
        }),
    );
    res.end();
  }

  /** ECharts from node_modules; the path carries the installed version, so it may be cached for a year. */
  @Get('vendor/:file')
  vendor(@Param('file') file: string, @Res() res: Response): void {
    if (`/embed/vendor/${file}` !== ECHARTS_PATH) throw AppError.notFound('file');
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    res.setHeader('x-content-type-options', 'nosniff');
    res.type('text/javascript; charset=utf-8').send(echartsBuild());
  }

  @Get('api/manager/movers')
  @UseGuards(ManagerEmbedTokenGuard)
  async movers(
    @CurrentEmbedSession() session: EmbedSession,
    @Query('kind') kind: string,
    @Res() res: Response,
  ) {
    fragmentHeaders(res);
    res.type('html').send(await this.dashboard.movers(session, kind));
  }

  @Get('api/manager/customers')
  @UseGuards(ManagerEmbedTokenGuard)
  async customers(
    @CurrentEmbedSession() session: EmbedSession,
    @Query() query: DashboardCustomerQuery,
    @Res() res: Response,
  ) {
    fragmentHeaders(res);
    res.type('html').send(await this.dashboard.search(session, query));
  }

  @Get('api/manager/experiment')
  @UseGuards(ManagerEmbedTokenGuard)
  async experiment(@CurrentEmbedSession() session: EmbedSession, @Res() res: Response) {
    fragmentHeaders(res);
    res.type('html').send(await this.dashboard.experiment(session));
  }

  @Get('api/manager/load')
  @UseGuards(ManagerEmbedTokenGuard)
  async load(@CurrentEmbedSession() session: EmbedSession, @Res() res: Response) {
    fragmentHeaders(res);
    res.type('html').send(await this.dashboard.load(session));
  }

  @Post('api/manager/rebalance')
  @HttpCode(201)
  @UseGuards(ManagerEmbedTokenGuard)
  async propose(@CurrentEmbedSession() session: EmbedSession, @Res() res: Response) {
    fragmentHeaders(res);
    res
      .status(201)
      .type('html')
      .send(await this.dashboard.propose(session));
  }

  @Post('api/manager/rebalance/:id/apply')
  @HttpCode(201)
  @UseGuards(ManagerEmbedTokenGuard)
  apply(@CurrentEmbedSession() session: EmbedSession, @Param('id') id: string) {
    if (!isUuid(id)) throw AppError.notFound('rebalance proposal');
    return this.dashboard.apply(session, id);
  }

  /** The session of a page request, or null after answering the friendly error page (401/403). */
  private async openPage(
    req: Request,
    res: Response,
    acceptLanguage: string | undefined,
    token: string | undefined,
  ): Promise<EmbedSession | null> {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    try {
      return await this.sessions.open(token, req.ip, 'manager');
    } catch (e) {
      if (!(e instanceof EmbedDenied)) throw e;
      const locale = localeFromAcceptLanguage(acceptLanguage);
      res.setHeader('content-security-policy', contentSecurityPolicy(['*']));
      res
        .status(e.status)
        .type('html')
        .send(this.pages.errorPage(locale, e.denial, MANAGER_UI[locale]));
      return null;
    }
  }
}

function fragmentHeaders(res: Response): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
}
