import { Module } from '@nestjs/common';
import { OffersModule } from '../offers/offers.module';
import { ExperimentRepository } from './experiment.repository';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';

/**
 * Experiments: A/B/n arms over call-list strategies (list vs holdout, offer variant, talk-track variant),
 * deterministic assignment, exposures, and the per-arm report. Above offers (an offer arm names a catalog offer),
 * below worklist (the publisher reads the arms and logs exposures).
 */
@Module({
  imports: [OffersModule],
  controllers: [ExperimentsController],
  providers: [ExperimentRepository, ExperimentsService],
  exports: [ExperimentsService],
})
export class ExperimentsModule {}
