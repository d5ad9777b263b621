import { CustomerView, ErasureReportView } from './customers.views';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { CustomerEraseService, ErasureReport } from './customer-erase.service';
import { CustomerSummary, CustomerViewService } from './customer-view.service';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly view: CustomerViewService,
    private readonly eraser: CustomerEraseService,
  ) {}

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
