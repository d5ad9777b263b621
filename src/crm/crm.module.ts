import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { PII_CIPHER } from './crm.tokens';
import { CsvImportService } from './csv-import.service';
import { CustomerMergeService } from './merge/customer-merge.service';
import { PiiCipher } from './pii';
import { CrmSyncJobs, CrmSyncProcessor } from './crm-sync.processor';
import { CrmEventsController } from './events/crm-events.controller';
import { CrmInboxService } from './events/crm-inbox.service';
import { WebhookSecretsService } from './events/webhook-secrets.service';
import { ConnectorsController } from './pull/connectors.controller';
import { ConnectorsService } from './pull/connectors.service';
import { PullConnectorService } from './pull/pull-connector.service';
import { CrmSyncAdminController } from './sync/crm-sync-admin.controller';
import { CrmSyncHandlers } from './sync/crm-sync.handlers';
import { CrmSyncScheduler } from './sync/crm-sync.scheduler';
import { RecordSyncService } from './sync/record-sync.service';
import { CustomerEraseService } from './customers/customer-erase.service';
import { CustomerViewService } from './customers/customer-view.service';
import { CustomersController } from './customers/customers.controller';
import { RepScopeService } from './customers/rep-scope.service';
import { DedupeJobs } from './dedupe/dedupe.jobs';
import { DedupeService } from './dedupe/dedupe.service';
import { ImportFileStore } from './imports/import-files';
import { ImportsController } from './imports/imports.controller';
import { ImportsService } from './imports/imports.service';
import { MergesController } from './merge/merges.controller';
import { PiiRotationService } from './pii-rotation.service';

@Module({
  imports: [
    // multipart uploads of POST /v1/imports stream to a temporary file, never into memory
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        dest: join(config.dataDir, 'uploads'),
        limits: { fileSize: config.importMaxUploadBytes, files: 1, fields: 8, fieldSize: 8192, parts: 10 },
      }),
    }),
  ],
  controllers: [
    CrmEventsController,
    CrmSyncAdminController,
    ConnectorsController,
    CustomersController,
    MergesController,
    ImportsController,
  ],
  providers: [
    CsvImportService,
    CustomerMergeService,
    {
      provide: PII_CIPHER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new PiiCipher(config.pii.encryption, config.pii.hashKey),
    },
    CrmSyncJobs,
    CrmSyncProcessor,
    RecordSyncService,
    WebhookSecretsService,
    CrmInboxService,
    ConnectorsService,
    PullConnectorService,
    CrmSyncHandlers,
    CrmSyncScheduler,
    DedupeService,
    DedupeJobs,
    RepScopeService,
    CustomerViewService,
    CustomerEraseService,
    ImportFileStore,
    ImportsService,
    PiiRotationService,
  ],
  exports: [
    CsvImportService,
    CustomerMergeService,
    PII_CIPHER,
    RecordSyncService,
    CrmInboxService,
    WebhookSecretsService,
    ConnectorsService,
    PullConnectorService,
    DedupeService,
    DedupeJobs,
    RepScopeService,
    PiiRotationService,
  ],
})
export class CrmModule {}
