import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueFactory, QueueFactoryOptions, QUEUES, QueueName } from './queue-factory';

export const queueToken = (name: QueueName) => `queue:${name}`;

/** Producer-side queues, shared by every module; workers are created by each module's processor. */
@Module({})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(QueueFactory) private readonly factory: QueueFactory) {}

  static forRoot(opts: QueueFactoryOptions): DynamicModule {
    const factory = new QueueFactory(opts);
    const queues = Object.values(QUEUES).map((name) => ({
      provide: queueToken(name),
      useFactory: (): Queue => factory.queue(name),
    }));
    return {
      module: QueueModule,
      global: true,
      providers: [{ provide: QueueFactory, useValue: factory }, ...queues],
      exports: [QueueFactory, ...queues.map((q) => q.provide)],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.factory.closeAll();
  }
}

/** Injects the producer Queue of a concern: `@InjectQueue(QUEUES.scoring) queue: Queue`. */
export const InjectQueue = (name: QueueName) => Inject(queueToken(name));
