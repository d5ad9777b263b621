import { Module } from '@nestjs/common';
import { OfferRepository } from './offer.repository';
import { OffersController } from './offers.controller';
import { OffersService } from './offers.service';

@Module({
  controllers: [OffersController],
  providers: [OfferRepository, OffersService],
  exports: [OffersService],
})
export class OffersModule {}
