import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { RepScopeService } from '../customers/rep-scope.service';
import { AuditEntry, AuditLogService } from './audit-log.service';

class AuditLogQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'the next page: entries older than this id (nextBefore)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/)
  before?: string;

  @ApiPropertyOptional({ example: 'customer.erased' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'customer:42' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  subject?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-log')
export class AuditLogController {
  constructor(
    private readonly log: AuditLogService,
    private readonly scopes: RepScopeService,
  ) {}

  /** Every manager/admin change, newest first. Managers see entries by or about their team. */
  @Get()
  @Roles('admin', 'manager')
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() q: AuditLogQuery,
  ): Promise<{ items: AuditEntry[]; nextBefore: string | null }> {
    const scope = await this.scopes.of(p);
    return this.log.list(p.workspaceId, {
      limit: q.limit ?? 50,
      before: q.before,
      action: q.action,
      subject: q.subject,
      repIds: scope.all ? undefined : [...scope.repIds],
    });
  }
}
