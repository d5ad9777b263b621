import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { AppError } from '../common/app-error';
import { WorklistUrgentService } from './worklist-urgent.service';
import { UrgentEventDto } from './worklist.dto';
import { ErrorView, UrgentAcceptedView } from './worklist.views';

/** CRM events that may put a customer on top of today's list (a complaint, a large order from an at-risk customer). */
@ApiTags('worklists')
@ApiBearerAuth()
@Controller('v1/worklist-events')
@Roles('integration', 'admin')
export class WorklistEventsController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly urgent: WorklistUrgentService,
  ) {}

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
    const [c] = await this.db.query(
      `SELECT id::text AS id FROM customers
       WHERE workspace_id = $1 AND external_id = $2 AND merged_into_id IS NULL AND deleted_at IS NULL
       ORDER BY id LIMIT 1`,
      [p.workspaceId, body.customer],
    );
    if (!c) throw AppError.notFound('customer');
    if (body.kind === 'order' && body.amountMinor === undefined) {
      throw new AppError('amount_required', 'an order event needs amountMinor', 400, {
        field: 'amountMinor',
      });
    }
    const at = body.occurredAt ? new Date(body.occurredAt).toISOString() : new Date().toISOString();
    return this.urgent.enqueue({
      workspaceId: p.workspaceId,
      customerId: c.id,
      eventId: body.eventId,
      event:
        body.kind === 'complaint'
          ? { kind: 'complaint', at, note: body.note ?? null }
          : { kind: 'order', at, amountMinor: body.amountMinor as number },
    });
  }
}
