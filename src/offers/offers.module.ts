import { Module } from '@nestjs/common';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { OffersService } from './offers.service';

@Module({
  controllers: [ExperimentsController],
  providers: [OffersService, ExperimentsService],
  exports: [OffersService, ExperimentsService],
})
export class OffersModule {}
