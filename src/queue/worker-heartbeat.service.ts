import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Runtime, RUNTIME } from '../common/runtime';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { machineIdentity, pidRunning, withoutGoneProcesses } from './machine-identity';
import { QueueFactory, QueueName } from './queue-factory';
import { QueueProcessor } from './queue-processor';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';

const MACHINE = machineIdentity();

/** A heartbeat older than this many intervals means the process is gone (killed, frozen, cut off from the DB). */
export const MISSED_BEATS = 4;

/**
 * The liveness signal of worker processes. Each process that runs queue workers writes a row every
 * WORKER_HEARTBEAT_MS naming the queues it consumes, keyed by the queue target (backend, Redis database,
 * prefix); /health and anything that waits on a queue read it. A beat of this machine whose pid is gone counts as
 * dead at once (machine-identity.ts), any other once it is MISSED_BEATS intervals old. Not BullMQ's worker count: on Redis that reads the
 * server-wide client list, which also counts workers of other databases that share the prefix.
 */
@Injectable()
export class WorkerHeartbeatService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeatService.name);
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private failing = false;
  /** the beat being written, awaited before the row is removed (or it would come back after the removal) */
  private writing?: Promise<void>;

  constructor(
    private readonly repo: WorkerHeartbeatRepository,
    private readonly factory: QueueFactory,
    private readonly discovery: DiscoveryService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** How old a beat may be and still count as alive, ms. */
  get staleAfterMs(): number {
    return this.config.workerHeartbeatMs * MISSED_BEATS;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.workers) return;
    await this.beat();
    this.timer = setInterval(() => {
      if (!this.writing) this.writing = this.beat().finally(() => (this.writing = undefined));
    }, this.config.workerHeartbeatMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.repo.remove(this.id).catch(() => undefined);
  }

  /** The queues that have at least one live worker process, and how many processes are alive. */
  async liveQueues(): Promise<{ processes: number; queues: Set<string> }> {
    const rows = withoutGoneProcesses(
      await this.repo.live(this.factory.target, this.staleAfterMs),
      MACHINE,
      pidRunning,
    );
    return { processes: rows.length, queues: new Set(rows.flatMap((r) => r.queues)) };
  }

  /** Whether some process (this one or another) consumes this queue now. */
  async hasLiveWorker(queue: QueueName): Promise<boolean> {
    return (await this.liveQueues()).queues.has(queue);
  }

  private async beat(): Promise<void> {
    const queues = this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .filter((i): i is QueueProcessor => i instanceof QueueProcessor && i.serving)
      .map((p) => p.queue);
    try {
      await this.repo.beat({
        id: this.id,
        target: this.factory.target,
        host: hostname(),
        pid: process.pid,
        machine: MACHINE,
        queues: [...new Set(queues)].sort(),
      });
      if (this.failing) this.logger.log('worker heartbeat written again');
      this.failing = false;
    } catch (e) {
      // once per outage, not every beat
      if (!this.failing) this.logger.warn(`worker heartbeat not written: ${(e as Error).message}`);
      this.failing = true;
    }
  }
}
