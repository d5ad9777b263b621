import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Job, JobsOptions, Queue, RepeatOptions } from 'bullmq';
import { JobHandlers } from './job-handlers';
import { BulkJob, JobData, JobName } from './jobs';
import { QueueFactory, QueueFactoryOptions, QUEUES, QueueName } from './queue-factory';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { QueueDatabaseRepository } from './queue-database.repository';
import { ScheduleRefresh } from './schedule-refresh.service';
import { WorkerHeartbeatService } from './worker-heartbeat.service';

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
      imports: [DiscoveryModule],
      providers: [
        { provide: QueueFactory, useValue: factory },
        JobHandlers,
        QueueDatabaseRepository,
        WorkerHeartbeatRepository,
        WorkerHeartbeatService,
        ScheduleRefresh,
        ...queues,
      ],
      exports: [
        QueueFactory,
        JobHandlers,
        QueueDatabaseRepository,
        WorkerHeartbeatService,
        ScheduleRefresh,
        ...queues.map((q) => q.provide),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.factory.closeAll();
  }
}

/**
 * The producer Queue of one concern, with `add`, `addBulk` and `upsertJobScheduler` typed from the job registry:
 * a job name the registry lacks, or a payload of the wrong shape, does not compile.
 */
export interface JobQueue<Q extends QueueName> extends Omit<Queue, 'add' | 'addBulk' | 'upsertJobScheduler'> {
  add<N extends JobName<Q>>(name: N, data: JobData<Q, N>, opts?: JobsOptions): Promise<Job>;
  addBulk(jobs: Array<BulkJob<Q>>): Promise<Job[]>;
  upsertJobScheduler<N extends JobName<Q>>(
    jobSchedulerId: string,
    repeatOpts: Omit<RepeatOptions, 'key'>,
    jobTemplate: { name: N; data: JobData<Q, N>; opts?: Omit<JobsOptions, 'jobId' | 'repeat' | 'delay'> },
  ): Promise<Job>;
}

/** Injects the producer queue of a concern: `@InjectQueue(QUEUES.scoring) queue: JobQueue<'scoring'>`. */
export const InjectQueue = (name: QueueName) => Inject(queueToken(name));
