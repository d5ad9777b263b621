import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WorklistUrgentService } from './worklist-urgent.service';
import { UrgentEventDto } from './worklist.dto';
import { ErrorView, UrgentAcceptedView } from './worklist.views';

/** CRM events that may put a customer on top of today's list (a complaint, a large order from an at-risk customer). */
@ApiTags('worklists')
@ApiBearerAuth()
@Controller('v1/worklist-events')
@Roles('integration', 'admin')
export class WorklistEventsController {
  constructor(private readonly urgent: WorklistUrgentService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Report an event that may need an urgent call',
    description:
      "Queued; the worklist worker inserts an urgent item on top of the owner's list for today when the event " +
      'qualifies (any complaint; an order from an at-risk or churned customer of at least urgent.largeOrderMinMinor ' +
      'and urgent.largeOrderFactor × their usual order). Other items keep their ranks. Same eventId → processed once.',
  })
  @ApiBody({
    type: UrgentEventDto,
    examples: {
      complaint: {
        value: { customer: 'cus-0000042', kind: 'complaint', note: 'delivery damaged', eventId: 'c-881' },
      },
      order: { value: { customer: 'cus-0000042', kind: 'order', amountMinor: 1_200_000, eventId: 'o-9912' } },
    },
  })
  @ApiAcceptedResponse({ type: UrgentAcceptedView })
  @ApiNotFoundResponse({ type: ErrorView })
  async report(@CurrentPrincipal() p: Principal, @Body() body: UrgentEventDto): Promise<UrgentAcceptedView> {
    return this.urgent.report(p.workspaceId, body);
  }
}
