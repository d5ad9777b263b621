import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WorklistPinsService } from './worklist-pins.service';
import { PinDto } from './worklist.dto';
import { ErrorView, PinView } from './worklist.views';

/** Manager pins: customers a manager wants on their owner's list every day for a while. */
@ApiTags('worklists')
@ApiBearerAuth()
@Controller('v1/worklist-pins')
@Roles('manager', 'admin')
export class WorklistPinsController {
  constructor(private readonly pins: WorklistPinsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: "Pin a customer to their owner's list",
    description:
      'From startsOn (default today) to endsOn (default open-ended); pinning again replaces the pin. Managers pin ' +
      "their team's customers only; others answer 404.",
  })
  @ApiBody({
    type: PinDto,
    examples: { renewal: { value: { customer: 'cus-0000042', note: 'renewal due this week' } } },
  })
  @ApiCreatedResponse({ type: PinView })
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({ type: ErrorView, description: 'customer_not_owned' })
  pin(@CurrentPrincipal() p: Principal, @Body() body: PinDto): Promise<PinView> {
    return this.pins.pin(p, body);
  }

  @Get()
  @ApiOperation({ summary: 'Active pins the caller may see' })
  @ApiOkResponse({ type: [PinView] })
  list(@CurrentPrincipal() p: Principal): Promise<PinView[]> {
    return this.pins.list(p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a pin' })
  @ApiNoContentResponse({ description: 'removed' })
  @ApiNotFoundResponse({ type: ErrorView })
  async unpin(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.pins.unpin(p, id);
  }
}
