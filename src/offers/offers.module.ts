import { Module } from '@nestjs/common';
import { OfferRepository } from './offer.repository';
import { OffersService } from './offers.service';

@Module({
  providers: [OfferRepository, OffersService],
  exports: [OffersService],
})
export class OffersModule {}
