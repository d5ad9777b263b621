import { Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/**
 * Reading the audit log. Writing is `audit()` in audit-entry.repository.ts, inside each change's transaction; the
 * managers' scope comes from AccessScopeService (AuthModule is global).
 */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogRepository, AuditLogService],
})
export class AuditLogModule {}
