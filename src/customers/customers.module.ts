import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { CustomerEraseService } from './customer-erase.service';
import { CustomerViewService } from './customer-view.service';
import { CustomersController } from './customers.controller';
import { DedupeJobs } from './dedupe/dedupe.jobs';
import { DedupeService } from './dedupe/dedupe.service';
import { CustomerMergeService } from './merge/customer-merge.service';
import { MergesController } from './merge/merges.controller';
import { PiiCipher } from './pii/pii';
import { PiiRotationService } from './pii/pii-rotation.service';
import { PII_CIPHER } from './pii/pii.tokens';
import { RepScopeService } from './rep-scope.service';

/** The customer record: view, erase, duplicates and merges, personal data at rest. */
@Module({
  controllers: [CustomersController, MergesController],
  providers: [
    {
      provide: PII_CIPHER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new PiiCipher(config.pii.encryption, config.pii.hashKey),
    },
    CustomerMergeService,
    DedupeService,
    DedupeJobs,
    RepScopeService,
    CustomerViewService,
    CustomerEraseService,
    PiiRotationService,
  ],
  exports: [PII_CIPHER, CustomerMergeService, DedupeService, DedupeJobs, RepScopeService, PiiRotationService],
})
export class CustomersModule {}
