import { FieldConflictPageView } from '../ingest.views';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { PageQuery } from '../../common/page-query';
import { CONFLICT_FIELDS, ConflictField } from './field-ownership';
import { FieldConflictsService } from './field-conflicts.service';

class ConflictsQueryDto extends PageQuery({ max: 1000, default: 100, example: 100 }) {
  @ApiPropertyOptional({ enum: CONFLICT_FIELDS })
  @IsOptional()
  @IsIn(CONFLICT_FIELDS)
  field?: ConflictField;
}

/** CRM values a sync or re-import did not apply because Callplan owns the field (docs/crm-sync.md#field-ownership). */
@ApiTags('crm sync')
@ApiBearerAuth()
@Controller('v1/sync')
export class FieldConflictsController {
  constructor(private readonly conflicts: FieldConflictsService) {}

  @Get('conflicts')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'CRM values not applied because Callplan owns the field' })
  @ApiOkResponse({ schema: FieldConflictPageView })
  list(@CurrentPrincipal() p: Principal, @Query() q: ConflictsQueryDto) {
    return this.conflicts.list(p.workspaceId, q.limit ?? 100, q.field);
  }
}
