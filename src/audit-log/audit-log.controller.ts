import { AuditPageSchema } from './audit-log.views';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { PageQuery } from '../common/page-query';
import { AuditEntry, AuditLogService } from './audit-log.service';

class AuditLogQuery extends PageQuery({ max: 500, default: 50 }) {
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
  constructor(private readonly log: AuditLogService) {}

  /** Every manager/admin change, newest first. Managers see entries by or about their team. */
  @Get()
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Every manager and admin change, newest first' })
  @ApiOkResponse({ schema: AuditPageSchema })
  list(
    @CurrentPrincipal() p: Principal,
    @Query() q: AuditLogQuery,
  ): Promise<{ items: AuditEntry[]; nextBefore: string | null }> {
    return this.log.listFor(p, {
      limit: q.limit ?? 50,
      before: q.before,
      action: q.action,
      subject: q.subject,
    });
  }
}
