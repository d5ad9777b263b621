import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { InjectQueue } from '../queue/queue.module';
import { WorkerHeartbeatService } from '../queue/worker-heartbeat.service';
import { HEALTH_PART_TIMEOUT_MS, withTimeout } from './health-timeout';
import { HealthRepository } from './health.repository';

export type PartName = 'database' | 'queue' | 'workers' | 'scoring';

export interface PartResult {
  status: 'up' | 'down';
  /** why a part is down, one sentence */
  message?: string;
  [detail: string]: unknown;
}

export interface HealthReport {
  status: 'ok' | 'error';
  /** the parts that are down, in a fixed order */
  failing: PartName[];
  checks: Record<PartName, PartResult>;
  /** the most any one part may take, ms */
  timeoutMs: number;
}

/** A queue whose oldest waiting job is older than this with nothing active: nobody consumes it. */
const WAITING_TOO_LONG_MS = 60_000;

/**
 * What /health reports: each part answers within HEALTH_PART_TIMEOUT_MS or is down with "no answer", so the
 * endpoint answers in about that time even with the database or Redis unreachable.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly repo: HealthRepository,
    private readonly heartbeats: WorkerHeartbeatService,
    private readonly factory: QueueFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.scoring) private readonly scoring: Queue,
    @InjectQueue(QUEUES.webhooks) private readonly webhooks: Queue,
    @InjectQueue(QUEUES.worklist) private readonly worklist: Queue,
    @InjectQueue(QUEUES.crmSync) private readonly crmSync: Queue,
    @InjectQueue(QUEUES.assignments) private readonly assignments: Queue,
    @InjectQueue(QUEUES.maintenance) private readonly maintenance: Queue,
  ) {}

  /** Every queue with its producer handle. */
  get queues(): Array<[string, Queue]> {
    return [
      [QUEUES.scoring, this.scoring],
      [QUEUES.worklist, this.worklist],
      [QUEUES.webhooks, this.webhooks],
      [QUEUES.crmSync, this.crmSync],
      [QUEUES.assignments, this.assignments],
      [QUEUES.maintenance, this.maintenance],
    ];
  }

  async report(timeoutMs = HEALTH_PART_TIMEOUT_MS): Promise<HealthReport> {
    const parts: Array<[PartName, () => Promise<PartResult>]> = [
      ['database', () => this.database()],
      ['queue', () => this.queueBackend()],
      ['workers', () => this.workers()],
      ['scoring', () => this.scoringRuns()],
    ];
    const results = await Promise.all(
      parts.map(([name, run]) =>
        withTimeout(
          run().catch((e: unknown) => down(`${name} check failed: ${reason(e)}`)),
          timeoutMs,
          () => down(`no answer within ${timeoutMs} ms`),
        ),
      ),
    );
    const checks = Object.fromEntries(parts.map(([name], i) => [name, results[i]])) as Record<
      PartName,
      PartResult
    >;
    const failing = parts.map(([name]) => name).filter((name) => checks[name].status === 'down');
    return { status: failing.length ? 'error' : 'ok', failing, checks, timeoutMs };
  }

  private async database(): Promise<PartResult> {
    await this.repo.ping();
    return { status: 'up' };
  }

  /** The queue backend answers, and no queue has jobs waiting over a minute with none active. */
  private async queueBackend(): Promise<PartResult> {
    const counts = await Promise.all(this.queues.map(([, q]) => q.getJobCounts('waiting', 'active')));
    const stalled: string[] = [];
    for (const [i, [name, queue]] of this.queues.entries()) {
      const c = counts[i];
      if (c.waiting > 0 && c.active === 0) {
        const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
        if (oldest && Date.now() - oldest.timestamp > WAITING_TOO_LONG_MS) stalled.push(name);
      }
    }
    const depths = Object.fromEntries(this.queues.map(([name], i) => [name, counts[i]]));
    if (stalled.length)
      return down(`jobs wait over a minute with none active: ${stalled.join(', ')}`, {
        backend: this.factory.backend,
        depths,
      });
    return { status: 'up', backend: this.factory.backend, depths };
  }

  /** Every queue has a worker process whose heartbeat is fresh. */
  private async workers(): Promise<PartResult> {
    const live = await this.heartbeats.liveQueues();
    const missing = this.queues.map(([name]) => name).filter((name) => !live.queues.has(name));
    const detail = { processes: live.processes, staleAfterMs: this.heartbeats.staleAfterMs };
    if (live.processes === 0)
      return down(`no worker process has written a heartbeat in ${this.heartbeats.staleAfterMs} ms`, detail);
    if (missing.length) return down(`no live worker for: ${missing.join(', ')}`, detail);
    return { status: 'up', ...detail };
  }

  /** No scoring run active without progress for longer than SCORING_STALE_RUN_MINUTES. */
  private async scoringRuns(): Promise<PartResult> {
    const staleSeconds = this.config.scoringStaleRunMinutes * 60;
    const r = await this.repo.stuckRuns(staleSeconds);
    if (r.stuck > 0)
      return down(`${r.stuck} scoring run(s) active with no progress for over ${staleSeconds} s`, {
        stuckRuns: r.stuck,
        quietSeconds: r.quiet_seconds,
      });
    return { status: 'up', stuckRuns: 0 };
  }
}

function down(message: string, details: Record<string, unknown> = {}): PartResult {
  return { status: 'down', message, ...details };
}

/** A short, credential-free reason: the error code when there is one (ECONNREFUSED), else the message's first line. */
function reason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === 'string' && /^[A-Z0-9_]+$/.test(err.code)) return err.code;
  const message = typeof err?.message === 'string' ? err.message.split('\n')[0] : String(e);
  return message.replace(/\/\/[^@/\s]*@/g, '//').slice(0, 200);
}
