import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WriteBackModule } from '../write-back/write-back.module';
import { PersonalityController } from './personality.controller';
import { PersonalityRepository } from './personality.repository';
import { PersonalityService } from './personality.service';

/** Personality with provenance: the profile, its history, a person's tag and the questionnaire. */
@Module({
  // CustomersModule: resolveVisible, the one customer scope rule; write-back: a new type goes to the CRM
  imports: [CustomersModule, WriteBackModule, WebhooksModule],
  controllers: [PersonalityController],
  providers: [PersonalityRepository, PersonalityService],
  exports: [PersonalityService],
})
export class PersonalityModule {}
