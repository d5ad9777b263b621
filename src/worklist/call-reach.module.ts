import { Global, Module } from '@nestjs/common';
import { CALL_REACH_LOOKUP } from '../customers/call-reach.port';
import { WorklistCallReach } from './call-reach.service';
import { WorklistPolicyService } from './worklist-policy.service';
import { WorklistRepository } from './worklist.repository';

/**
 * Global so that the customers room (which the worklist room imports, so it cannot import back) receives the
 * lookup by its token (the pattern of ConfigModule and AuthModule, the other global modules).
 */
@Global()
@Module({
  providers: [
    WorklistRepository,
    WorklistPolicyService,
    WorklistCallReach,
    { provide: CALL_REACH_LOOKUP, useExisting: WorklistCallReach },
  ],
  exports: [CALL_REACH_LOOKUP],
})
export class CallReachModule {}
