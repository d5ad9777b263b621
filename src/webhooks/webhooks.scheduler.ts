import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Runtime, RUNTIME } from '../common/runtime';
import { OutboxService } from './outbox.service';
import { TenantScope } from '../database/tenant-scope';

/** Safety net of the outbox: events whose post-commit kick was lost are dispatched within half a minute. */
@Injectable()
export class WebhooksScheduler {
  private readonly logger = new Logger(WebhooksScheduler.name);

  constructor(
    private readonly outbox: OutboxService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  @Interval('outbox-sweep', 30_000)
  async sweep(): Promise<void> {
    if (!this.runtime.scheduler) return;
    await TenantScope.crossTenant('the outbox sweep covers every workspace', () => this.outbox.kick()).catch(
      (e: Error) => this.logger.warn(`outbox sweep failed: ${e.message}`),
    );
  }
}
