import { CustomerView, ErasureReportView } from './customers.views';
import { Controller, Get, HttpCode, Logger, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { CustomerFilterQuery, CustomerListQuery, CustomerListView, ERROR_SCHEMA } from './customer-list.dto';
import { CustomerListService } from './customer-list.service';
import { CustomerEraseService, ErasureReport } from './customer-erase.service';
import { CustomerSummary, CustomerViewService } from './customer-view.service';

const FILTER_ERRORS =
  'invalid_tier, invalid_lifecycle, invalid_segment, invalid_sort, invalid_owner, invalid_q, invalid_cursor ' +
  '(details.field names the parameter), validation_failed (an unknown parameter, a limit out of range)';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  private readonly logger = new Logger(CustomersController.name);

  constructor(
    private readonly view: CustomerViewService,
    private readonly lists: CustomerListService,
    private readonly eraser: CustomerEraseService,
  ) {}

  @Get()
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: 'Search and filter customers',
    description:
      'Live customers with their current scores, filtered by tier, lifecycle, RFM segment, owner and text, ' +
      'sorted by priority (default), clv or name, one keyset page at a time (nextCursor). Scoped like ' +
      'GET /v1/customers/{id}: admins and integrations the workspace, managers their team and unowned customers, ' +
      'reps their own; other customers are not listed.',
  })
  @ApiOkResponse({ type: CustomerListView })
  @ApiBadRequestResponse({ schema: ERROR_SCHEMA, description: FILTER_ERRORS })
  list(@CurrentPrincipal() p: Principal, @Query() q: CustomerListQuery): Promise<CustomerListView> {
    const { limit, ...filters } = q;
    return this.lists.list(p, filters, limit ?? 50);
  }

  /** Declared before `:id`, so `export.csv` is not read as a customer id. */
  @Get('export.csv')
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: 'Export the filtered customers as CSV',
    description:
      'The same filters, scope and order as GET /v1/customers, every page of them, streamed as UTF-8 CSV. Text ' +
      'cells that a spreadsheet would run as a formula (= + - @ …) start with an apostrophe.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with a header row', schema: { type: 'string' } })
  @ApiBadRequestResponse({ schema: ERROR_SCHEMA, description: FILTER_ERRORS })
  async export(
    @CurrentPrincipal() p: Principal,
    @Query() q: CustomerFilterQuery,
    @Res() res: Response,
  ): Promise<void> {
    const run = await this.lists.prepareExport(p, q);
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="customers.csv"');
    res.setHeader('cache-control', 'no-store');
    // back-pressure: the next batch is fetched once the client took this one; a client gone stops the cursor
    const write = (chunk: string) =>
      new Promise<void>((resolve, reject) => {
        if (res.destroyed) return reject(new Error('client went away'));
        if (res.write(chunk)) return resolve();
        const done = () => {
          res.off('close', gone);
          resolve();
        };
        const gone = () => {
          res.off('drain', done);
          reject(new Error('client went away'));
        };
        res.once('drain', done);
        res.once('close', gone);
      });
    try {
      await run(write);
      res.end();
    } catch (e) {
      if (!res.destroyed)
        this.logger.error(`customer export failed: ${e instanceof Error ? e.message : String(e)}`);
      // headers are out: a failure can only cut the download short, never pose as a complete file
      res.destroy();
    }
  }

  /**
   * One customer with its scores. Email and phone are clear for the owner rep, their managers and admins, masked
   * for integrations; reps get 404 for customers they do not own. A merged record's id answers with its winner.
   */
  @Get(':id')
  @Roles('rep', 'manager', 'admin', 'integration')
  @ApiOperation({
    summary: 'One customer with its scores',
    description:
      'Email and phone are clear for the owner rep, their managers and admins, masked for integrations; reps get 404 ' +
      "for customers they do not own. A merged record's id answers with its winner (requestedId).",
  })
  @ApiOkResponse({ schema: CustomerView })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<CustomerSummary> {
    return this.view.get(p, id);
  }

  /** Erases the customer's personal data (admins; managers of the owner's team), keeping anonymous aggregates. */
  @Post(':id/erase')
  @HttpCode(200)
  @Roles('admin', 'manager')
  @ApiOperation({
    summary: "Erase a customer's personal data",
    description:
      "Admins, and managers of the owner's team; anonymous aggregates stay. Erasing twice answers erased: false.",
  })
  @ApiOkResponse({ schema: ErasureReportView })
  erase(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<ErasureReport> {
    return this.eraser.erase(p, id);
  }
}
