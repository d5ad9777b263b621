import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { PII_CIPHER } from './crm.tokens';
import { CsvImportService } from './csv-import.service';
import { CustomerMergeService } from './merge/customer-merge.service';
import { PiiCipher } from './pii';

@Module({
  providers: [
    CsvImportService,
    CustomerMergeService,
    {
      provide: PII_CIPHER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new PiiCipher(config.pii.encryption, config.pii.hashKey),
    },
  ],
  exports: [CsvImportService, CustomerMergeService, PII_CIPHER],
})
export class CrmModule {}
