import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';
import { HealthService } from './health.service';
import { ScrapeGauges } from './scrape-gauges.service';

@Module({ controllers: [HealthController], providers: [HealthRepository, HealthService, ScrapeGauges] })
export class HealthModule {}
