import { Module } from '@nestjs/common';
import { ExperimentRepository } from './experiment.repository';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { OfferRepository } from './offer.repository';
import { OffersController } from './offers.controller';
import { OffersService } from './offers.service';

@Module({
  controllers: [ExperimentsController, OffersController],
  providers: [OfferRepository, ExperimentRepository, OffersService, ExperimentsService],
  exports: [OffersService, ExperimentsService],
})
export class OffersModule {}
