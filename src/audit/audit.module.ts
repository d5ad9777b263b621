import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { AuditLogController } from './audit-log.controller';
import { AuditLogService } from './audit-log.service';

/** Reading the audit log (writing is `audit()` in src/common/audit.ts, inside each change's transaction). */
@Module({
  imports: [CustomersModule],
  controllers: [AuditLogController],
  providers: [AuditLogService],
})
export class AuditModule {}
