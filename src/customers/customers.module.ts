import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { CustomerEraseRepository } from './customer-erase.repository';
import { CustomerEraseService } from './customer-erase.service';
import { CustomerListRepository } from './customer-list.repository';
import { CustomerListService } from './customer-list.service';
import { CustomerViewRepository } from './customer-view.repository';
import { CustomerViewService } from './customer-view.service';
import { CustomersController } from './customers.controller';
import { DedupeJobs } from './dedupe/dedupe.jobs';
import { DedupeRepository } from './dedupe/dedupe.repository';
import { DedupeService } from './dedupe/dedupe.service';
import { CustomerMergeRepository } from './merge/customer-merge.repository';
import { CustomerMergeService } from './merge/customer-merge.service';
import { MergesController } from './merge/merges.controller';
import { MergeCandidatesController } from './merge/merge-candidates.controller';
import { MergeCandidatesRepository } from './merge/merge-candidates.repository';
import { MergeCandidatesService } from './merge/merge-candidates.service';
import { PiiCipher } from './pii/pii';
import { PiiHashRepository } from './pii/pii-hash.repository';
import { PiiHashRotationService } from './pii/pii-hash-rotation.service';
import { PiiHashing } from './pii/pii-hashing.service';
import { PiiRotationRepository } from './pii/pii-rotation.repository';
import { PiiRotationService } from './pii/pii-rotation.service';
import { PII_CIPHER } from './pii/pii.tokens';
import { WebhooksModule } from '../webhooks/webhooks.module';

/** The customer record: view, erase, duplicates and merges, personal data at rest. */
@Module({
  imports: [WebhooksModule], // erasure scrubs stored webhook payloads
  controllers: [CustomersController, MergesController, MergeCandidatesController],
  providers: [
    {
      provide: PII_CIPHER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new PiiCipher(config.pii.encryption, config.pii.hashKey, config.pii.previousHashKey),
    },
    CustomerViewRepository,
    CustomerEraseRepository,
    CustomerMergeRepository,
    DedupeRepository,
    PiiRotationRepository,
    CustomerMergeService,
    MergeCandidatesRepository,
    MergeCandidatesService,
    DedupeService,
    DedupeJobs,
    CustomerViewService,
    CustomerListRepository,
    CustomerListService,
    CustomerEraseService,
    PiiRotationService,
    PiiHashRepository,
    PiiHashing,
    PiiHashRotationService,
  ],
  exports: [
    PII_CIPHER,
    CustomerListService,
    CustomerViewService,
    CustomerMergeService,
    DedupeService,
    DedupeJobs,
    PiiRotationService,
    PiiHashing,
    PiiHashRotationService,
  ],
})
export class CustomersModule {}
