import { DeactivationSchema } from './assignments.views';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { DeactivateRepDto } from './rebalance.dto';
import { DeactivationView, RepDeactivationService } from './rep-deactivation.service';

@ApiTags('assignments')
@ApiBearerAuth()
@Controller('v1/reps')
export class RepDeactivationController {
  constructor(private readonly deactivation: RepDeactivationService) {}

  /**
   * Deactivates a rep: no more call lists, their API keys revoked, and their accounts in a rebalance proposal for
   * the team (returned here) — never in limbo. Managers: reps of their team, not themselves.
   */
  @Post(':repId/deactivate')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiParam({ name: 'repId', description: "rep id (uuid) or the rep's CRM external id", example: 'rep-007' })
  @ApiOperation({ summary: 'Deactivate a rep: no more lists, keys revoked, accounts into a proposal' })
  @ApiOkResponse({ schema: DeactivationSchema })
  @ApiConflictResponse({ description: 'rep_inactive: the rep is already deactivated' })
  deactivate(
    @CurrentPrincipal() p: Principal,
    @Param('repId') repId: string,
    @Body() dto: DeactivateRepDto,
  ): Promise<DeactivationView> {
    return this.deactivation.deactivate(p, repId, dto.note);
  }
}
