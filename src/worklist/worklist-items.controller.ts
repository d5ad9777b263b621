import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WorklistOutcomesService } from './worklist-outcomes.service';
import { WorklistQueryService } from './worklist-query.service';
import { OutcomeDto, SnoozeDto } from './worklist.dto';
import { ErrorView, OutcomeResultView, SnoozeResultView, WorklistItemDetailView } from './worklist.views';

const ITEM_ID = {
  name: 'id',
  description: 'worklist item id (uuid); ids outside your scope answer 404',
  example: '6f1c2a9e-2a55-4a0e-9f3d-1b2c3d4e5f60',
};

/** One call on a list: read it with the customer summary, record what happened, or snooze it. */
@ApiTags('worklists')
@ApiBearerAuth()
@Controller('v1/worklist-items')
export class WorklistItemsController {
  constructor(
    private readonly lists: WorklistQueryService,
    private readonly outcomes: WorklistOutcomesService,
  ) {}

  @Get(':id')
  @ApiOperation({
    summary: 'A worklist item with the customer summary',
    description:
      'Scores, reasons, recent orders and interactions (CRM and logged calls), talk track, offer, open follow-up. ' +
      "A rep reads only items of their own lists, a manager their team's. An item whose customer was reassigned " +
      'away from the caller since publication answers with state `reassigned` and no customer data.',
  })
  @ApiParam(ITEM_ID)
  @ApiOkResponse({ type: WorklistItemDetailView })
  @ApiNotFoundResponse({ type: ErrorView })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<WorklistItemDetailView> {
    return this.lists.item(p, id);
  }

  @Post(':id/outcome')
  @HttpCode(201)
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Record the outcome of a call',
    description:
      'The item leaves the list. no_answer / voicemail → a retry after followUps.retryDelayDays, at most ' +
      'followUps.maxAttempts in a row, then a snooze; callback_requested (with callbackAt) → a callback item at that ' +
      'time; not_interested → snoozed followUps.notInterestedSnoozeDays; do_not_call → never listed again; ' +
      'wrong_number → not listed until the phone number changes. A personality tag updates the customer.',
  })
  @ApiParam(ITEM_ID)
  @ApiBody({
    type: OutcomeDto,
    examples: {
      callback: {
        summary: 'callback requested',
        value: {
          outcome: 'callback_requested',
          callbackAt: '2026-11-26T14:30:00+08:00',
          notes: 'wants a quote',
        },
      },
      noAnswer: { summary: 'no answer', value: { outcome: 'no_answer' } },
      converted: {
        summary: 'converted, personality learned',
        value: { outcome: 'converted', notes: 'ordered the 20-pack', personality: 'rational' },
      },
    },
  })
  @ApiCreatedResponse({ type: OutcomeResultView })
  @ApiBadRequestResponse({
    type: ErrorView,
    description: 'validation_failed, callback_at_required, invalid_callback_at',
  })
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({
    type: ErrorView,
    description:
      'item_not_open: the item already has an outcome or a snooze; item_reassigned: its customer is no longer yours',
  })
  outcome(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() body: OutcomeDto,
  ): Promise<OutcomeResultView> {
    return this.outcomes.record(p, id, body);
  }

  @Post(':id/snooze')
  @HttpCode(201)
  @Roles('rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Snooze a customer until a day',
    description:
      'The item leaves the list and the customer is on no list before `until` (any day after today).',
  })
  @ApiParam(ITEM_ID)
  @ApiBody({
    type: SnoozeDto,
    examples: { travel: { value: { until: '2026-12-08', reason: 'travelling' } } },
  })
  @ApiCreatedResponse({ type: SnoozeResultView })
  @ApiBadRequestResponse({ type: ErrorView })
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({ type: ErrorView, description: 'item_not_open, item_reassigned' })
  snooze(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() body: SnoozeDto,
  ): Promise<SnoozeResultView> {
    return this.outcomes.snooze(p, id, body);
  }
}
