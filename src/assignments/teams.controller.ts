import { TeamLoadSchema } from './assignments.views';
import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { RepLoadService, TeamLoadView } from './rep-load.service';

class LoadQuery {
  @ApiPropertyOptional({
    description: 'working days per cycle (default: workspace setting, 20)',
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(366)
  workingDays?: number;
}

@ApiTags('assignments')
@ApiBearerAuth()
@Controller('v1/teams')
export class TeamsController {
  constructor(private readonly load: RepLoadService) {}

  /**
   * Each rep's book: accounts by tier, total expected value (CLV of the current snapshot, minor units) and capacity
   * use (accounts ÷ daily capacity × working days); plus the team pool and open rebalance proposals. Managers read
   * their own team; other team ids answer 404.
   */
  @Get(':teamId/load')
  @Roles('manager', 'admin')
  @ApiParam({
    name: 'teamId',
    description: "team id (uuid) or the team's CRM external id",
    example: 'team-1',
  })
  @ApiOperation({ summary: "Each rep's book: accounts by tier, expected value, capacity use" })
  @ApiOkResponse({ schema: TeamLoadSchema })
  teamLoad(
    @CurrentPrincipal() p: Principal,
    @Param('teamId') teamId: string,
    @Query() q: LoadQuery,
  ): Promise<TeamLoadView> {
    return this.load.teamLoad(p, teamId, q.workingDays);
  }
}
