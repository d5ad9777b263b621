import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { CustomersModule } from '../customers/customers.module';
import { OffersModule } from '../offers/offers.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { CrmSyncAdminController } from './crm-sync-admin.controller';
import { CrmSyncHandlers } from './crm-sync.handlers';
import { CrmSyncProcessor } from './crm-sync.processor';
import { CrmSyncScheduler } from './crm-sync.scheduler';
import { CsvImportRepository } from './csv/csv-import.repository';
import { CsvImportService } from './csv/csv-import.service';
import { CurrencyRatesController } from './csv/currency-rates.controller';
import { CurrencyRatesRepository } from './csv/currency-rates.repository';
import { CurrencyRatesService } from './csv/currency-rates.service';
import { CrmEventsController } from './events/crm-events.controller';
import { CrmInboxRepository } from './events/crm-inbox.repository';
import { CrmInboxService } from './events/crm-inbox.service';
import { WebhookSecretsRepository } from './events/webhook-secrets.repository';
import { WebhookSecretsService } from './events/webhook-secrets.service';
import { ImportFileStore } from './imports/import-files';
import { ImportsController } from './imports/imports.controller';
import { ImportsRepository } from './imports/imports.repository';
import { ImportsService } from './imports/imports.service';
import { ImportsRecoveryService } from './imports/imports-recovery.service';
import { uploadStorage } from './imports/upload-storage';
import { ConnectorsController } from './pull/connectors.controller';
import { ConnectorsRepository } from './pull/connectors.repository';
import { ConnectorsService } from './pull/connectors.service';
import { PullConnectorService } from './pull/pull-connector.service';
import { ConnectorPushService } from './pull/connector-push.service';
import { ConnectorWriteBackRepository } from './pull/connector-write-back.repository';
import { CrmRateLimiters } from './pull/hubspot-client';
import { RecordSyncRepository } from './sync/record-sync.repository';
import { RecordSyncService } from './sync/record-sync.service';
import { FieldConflictsController } from './sync/field-conflicts.controller';
import { FieldConflictsRepository } from './sync/field-conflicts.repository';
import { FieldConflictsService } from './sync/field-conflicts.service';
import { SyncRejectsRepository } from './sync/sync-rejects.repository';
import { SyncRejectsController } from './sync-rejects.controller';
import { SyncRejectsService } from './sync-rejects.service';

/** Data coming in from the CRM: bulk CSV, signed webhooks, cursor pull; the sync core applies all of them. */
@Module({
  imports: [
    CustomersModule,
    OffersModule, // orders attributed to the offers they redeem as they arrive
    WebhooksModule, // the SSRF guard of pull connectors
    // multipart uploads of POST /v1/imports stream to a temporary file, never into memory
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        storage: uploadStorage(join(config.dataDir, 'uploads')),
        limits: { fileSize: config.importMaxUploadBytes, files: 1, fields: 8, fieldSize: 8192, parts: 10 },
      }),
    }),
  ],
  controllers: [
    CrmEventsController,
    CrmSyncAdminController,
    ConnectorsController,
    ImportsController,
    FieldConflictsController,
    CurrencyRatesController,
    SyncRejectsController,
  ],
  providers: [
    CsvImportRepository,
    RecordSyncRepository,
    ImportsRepository,
    CrmInboxRepository,
    WebhookSecretsRepository,
    ConnectorsRepository,
    CsvImportService,
    CurrencyRatesRepository,
    CurrencyRatesService,
    CrmSyncProcessor,
    RecordSyncService,
    WebhookSecretsService,
    CrmInboxService,
    ConnectorsService,
    PullConnectorService,
    ConnectorPushService,
    ConnectorWriteBackRepository,
    CrmRateLimiters,
    CrmSyncHandlers,
    CrmSyncScheduler,
    ImportFileStore,
    ImportsService,
    ImportsRecoveryService,
    FieldConflictsRepository,
    FieldConflictsService,
    SyncRejectsRepository,
    SyncRejectsService,
  ],
  exports: [
    ImportsRecoveryService, // the retention job sweeps upload files too
    FieldConflictsService,
    SyncRejectsService,
    CsvImportService,
    RecordSyncService,
    CrmInboxService,
    WebhookSecretsService,
    ConnectorsService,
    PullConnectorService,
    ConnectorPushService,
  ],
})
export class IngestModule {}
