import {
  BackendFactory,
  ConnectionOptions,
  createPostgresBackend,
  createRedisBackend,
  FlowProducer,
  Job,
  Queue,
  QueueOptions,
  RedisQueueBackend,
  Worker,
  WorkerOptions,
} from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { Logger } from '@nestjs/common';

/** Queue names, one per concern. */
export const QUEUES = {
  scoring: 'scoring',
  worklist: 'worklist',
  webhooks: 'webhooks',
  crmSync: 'crm-sync',
  assignments: 'assignments',
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type QueueBackendKind = 'redis' | 'postgres';

export interface QueueFactoryOptions {
  /** set → Redis backend; unset → BullMQ's PostgreSQL backend in schema `<prefix>_queues` of databaseUrl */
  redisUrl?: string;
  databaseUrl: string;
  prefix: string;
}

/**
 * The one place that knows which datastore carries the queues. Everything else asks this factory for
 * Queue / Worker / FlowProducer objects and uses the plain BullMQ API, unaware of the backend.
 */
export class QueueFactory {
  readonly backend: QueueBackendKind;

  constructor(private readonly opts: QueueFactoryOptions) {
    this.backend = opts.redisUrl ? 'redis' : 'postgres';
  }

  /**
   * What the queues live on, without credentials: `redis://host:port/db prefix` or `postgres prefix` (the
   * application's own database). Worker heartbeats are keyed by it, so a worker of another Redis database with the
   * same prefix never counts as serving these queues.
   */
  get target(): string {
    if (!this.opts.redisUrl) return `postgres ${this.opts.prefix}`;
    const o = this.redisOptions(false);
    return `redis://${o.host}:${o.port}/${o.db ?? 0} ${this.opts.prefix}`;
  }

  private readonly owned: Array<{ close(): Promise<void> }> = [];

  queue<T = unknown>(name: QueueName, options: Omit<QueueOptions, 'connection'> = {}): Queue<T> {
    const queue = new Queue<T>(
      name,
      { ...options, prefix: this.opts.prefix, connection: this.connection(false) },
      this.factory,
    );
    reportErrorsQuietly(queue, `queue ${name}`);
    this.owned.push(queue);
    return queue;
  }

  /** Closes every queue and flow producer made here (workers are closed by their owners, which wait for jobs). */
  async closeAll(): Promise<void> {
    await Promise.allSettled(this.owned.splice(0).map((o) => o.close()));
  }

  worker<T = unknown, R = unknown>(
    name: QueueName,
    processor: (job: Job<T, R>) => Promise<R>,
    options: Omit<WorkerOptions, 'connection'> = {},
  ): Worker<T, R> {
    return new Worker<T, R>(
      name,
      processor,
      { ...options, prefix: this.opts.prefix, connection: this.connection(true) },
      this.factory,
    );
  }

  flowProducer(): FlowProducer {
    const producer = new FlowProducer(
      { prefix: this.opts.prefix, connection: this.connection(false) },
      this.factory,
    );
    reportErrorsQuietly(producer, 'flow producer');
    this.owned.push(producer);
    return producer;
  }

  /**
   * BullMQ types each class by its backend; our callers only use the backend-neutral API, so the
   * PostgreSQL factory is presented under the default (Redis) type parameters. This is the only cast of its kind.
   */
  private get factory(): BackendFactory<RedisQueueBackend> {
    if (this.opts.redisUrl) return createRedisBackend;
    return createPostgresBackend as unknown as BackendFactory<RedisQueueBackend>;
  }

  private connection(blocking: boolean): ConnectionOptions {
    if (this.opts.redisUrl) return this.redisOptions(blocking) as ConnectionOptions;
    return this.pgConnection() as unknown as ConnectionOptions;
  }

  private redisOptions(blocking: boolean): RedisOptions {
    const url = new URL(this.opts.redisUrl as string);
    return {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: url.username || undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      // Workers must wait out a Redis outage instead of failing commands; producers fail fast.
      maxRetriesPerRequest: blocking ? null : 3,
      enableOfflineQueue: true,
    };
  }

  private pgConnection() {
    return {
      connectionString: this.opts.databaseUrl,
      schema: `${this.opts.prefix.replace(/-/g, '_')}_queues`,
      migrate: true,
      max: 4,
      application_name: 'callplan-queue',
    };
  }
}

const logger = new Logger('QueueFactory');
/** While the backend stays unreachable, one line per this many ms and queue instead of a stack trace per retry. */
const ERROR_REPEAT_MS = 60_000;

/**
 * A producer's connection errors (Redis down: ECONNREFUSED on every reconnect attempt) become one warning line
 * per minute; without a listener BullMQ prints each one with its stack. /health names the outage.
 */
function reportErrorsQuietly(
  emitter: { on(event: 'error', fn: (err: Error) => void): unknown },
  label: string,
) {
  let last = 0;
  emitter.on('error', (err: Error) => {
    const now = Date.now();
    if (now - last < ERROR_REPEAT_MS) return;
    last = now;
    const code = (err as { code?: string }).code;
    logger.warn(`${label}: ${code ?? err.message} (the queue backend is unreachable; retrying)`);
  });
}
