import { Module } from '@nestjs/common';
import { CustomerFactsRepository } from './customer-facts.repository';
import { PlaybooksService } from './playbooks.service';

@Module({
  providers: [PlaybooksService, CustomerFactsRepository],
  exports: [PlaybooksService, CustomerFactsRepository],
})
export class PlaybooksModule {}
