import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { PersonalityController } from './personality.controller';
import { PersonalityRepository } from './personality.repository';
import { PersonalityService } from './personality.service';

/** Personality with provenance: the profile, its history, a person's tag and the questionnaire. */
@Module({
  imports: [CustomersModule], // resolveVisible: the one customer scope rule
  controllers: [PersonalityController],
  providers: [PersonalityRepository, PersonalityService],
  exports: [PersonalityService],
})
export class PersonalityModule {}
