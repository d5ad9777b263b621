import { Inject, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker, WorkerOptions } from 'bullmq';
import { Runtime } from '../common/runtime';
import { Metrics } from '../metrics/metrics';
import { JobHandlers } from './job-handlers';
import { isLostConnection } from './lost-connection';
import { QueueDatabaseRepository } from './queue-database.repository';
import { QueueFactory, QueueName } from './queue-factory';

/** After a lost connection: a first pause (dead pooled connections get their error), then probes, then give up. */
const RECONNECT_FIRST_MS = 500;
const RECONNECT_POLL_MS = 500;
const RECONNECT_WAIT_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One processor class per queue. The BullMQ worker exists only in processes that run workers; on shutdown
 * `close()` lets running jobs finish (BullMQ hands stalled ones to another worker if this process dies instead).
 */
export abstract class QueueProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private worker?: Worker;
  private closed = false;
  /** a property, not a constructor parameter: the five processors' constructors stay as they are */
  @Inject(Metrics) private readonly metrics!: Metrics;
  @Inject(QueueDatabaseRepository) private readonly database!: QueueDatabaseRepository;

  protected constructor(
    private readonly factory: QueueFactory,
    private readonly runtime: Runtime,
    private readonly handlers: JobHandlers,
    private readonly queueName: QueueName,
    private readonly concurrency = 1,
    /** lock and stalled-check timings of this queue's worker (default: 120 s lock, BullMQ's 30 s check) */
    private readonly timing: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'> = {},
  ) {}

  /** Handles one job: the `@OnJob` handler of its name (a processor may wrap this, e.g. to record a final failure). */
  protected process(job: Job): Promise<unknown> {
    return this.handlers.handle(this.queueName, job);
  }

  /**
   * One attempt of a job. When it failed because the database connection was lost (backends terminated, the server
   * restarting), the worker's own queue connections were hit by the same event: recording the failure at once would
   * run on one of them, fail too, and BullMQ (which takes a PostgreSQL error for a job error, not a connection
   * error) would only log it, leaving the job active until its lock expired (120 s, then the stalled check). So the
   * failure is reported once the database answers again, on a connection that is alive.
   */
  private async attempt(job: Job): Promise<unknown> {
    try {
      return await this.process(job);
    } catch (e) {
      if (isLostConnection(e)) await this.databaseAnswers();
      throw e;
    }
  }

  /** Waits (bounded) until a fresh connection answers; the pools drop their dead connections meanwhile. */
  private async databaseAnswers(): Promise<void> {
    const deadline = Date.now() + RECONNECT_WAIT_MS;
    await sleep(RECONNECT_FIRST_MS);
    while (Date.now() < deadline) {
      if (await this.database.answers()) return;
      await sleep(RECONNECT_POLL_MS);
    }
  }

  onApplicationBootstrap(): void {
    if (!this.runtime.workers) return;
    this.worker = this.factory.worker(this.queueName, (job) => this.attempt(job), {
      concurrency: this.concurrency,
      // Long scoring chunks must not be taken for stalled while they compute.
      lockDuration: 120_000,
      ...this.timing,
    });
    this.worker.on('completed', () =>
      this.metrics.queueJobsFinished.inc({ queue: this.queueName, outcome: 'completed' }),
    );
    this.worker.on('failed', (job, err) => {
      this.metrics.queueJobsFinished.inc({ queue: this.queueName, outcome: 'failed' });
      this.logger.warn(
        `${this.queueName}/${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`,
      );
    });
    let lastError = 0;
    this.worker.on('error', (err) => {
      // an unreachable backend fails every reconnect attempt: one line a minute, not one per retry
      if (Date.now() - lastError < 60_000) return;
      lastError = Date.now();
      this.logger.error(`${this.queueName} worker error: ${err.message}`);
    });
    this.worker.on('closed', () => (this.closed = true));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.worker?.close();
  }

  /** The queue this processor consumes. */
  get queue(): QueueName {
    return this.queueName;
  }

  /** For the worker heartbeat: this process consumes the queue (or is about to, during start-up). */
  get serving(): boolean {
    return this.runtime.workers && !this.closed;
  }

  /** For /health: a worker that should be consuming and is not. */
  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }
}
