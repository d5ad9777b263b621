import { INestApplicationContext } from '@nestjs/common';
import { closeApp, startContext, prepareDatabase, configOrExit } from '../bootstrap';
import { AppConfig } from '../config/config';
import { createDataSource } from '../database/data-source';
import { ResolvedDatabase } from '../embedded/embedded-postgres';
import { QueueFactory, QueueName } from '../queue/queue-factory';
import { machineIdentity, pidRunning, withoutGoneProcesses } from '../queue/machine-identity';
import { WorkerHeartbeatRepository } from '../queue/worker-heartbeat.repository';
import { MISSED_BEATS, WorkerHeartbeatService } from '../queue/worker-heartbeat.service';
import { IMPLICIT_WORKSPACES, unknownWorkspaceMessage } from '../workspaces/workspace-fields';
import { WorkspacesService } from '../workspaces/workspaces.service';

/** A CLI failure the user can fix: printed without a stack trace, exit code 1 (2 for bad usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** What every command runs in: the database and the Nest context, no workspace chosen yet. */
export interface CliContext {
  config: AppConfig;
  database: ResolvedDatabase;
  app: INestApplicationContext;
  /** true when this process consumes queue jobs itself because no worker was running */
  inProcessWorker: boolean;
  /** what the queues live on (`redis://host:port/db prefix` or `postgres prefix`), for messages */
  queueTarget: string;
  close(): Promise<void>;
}

export interface CliSession extends CliContext {
  workspaceId: string;
}

/**
 * Opens what a command needs: the database (embedded when DATABASE_URL is unset, migrated) and the Nest context.
 * With `needsWorker` (the queues the command waits on), the context runs queue workers in-process unless a live
 * worker process serves every one of them.
 */
export async function openContext(opts: {
  needsWorker?: readonly QueueName[];
  log?: (m: string) => void;
}): Promise<CliContext> {
  const config = configOrExit();
  const database = await prepareDatabase(config, opts.log);
  const queueTarget = new QueueFactory({
    redisUrl: config.redisUrl,
    databaseUrl: database.url,
    prefix: config.queuePrefix,
  }).target;
  let inProcessWorker = false;
  if (opts.needsWorker?.length) {
    const served = await liveQueues(config, database.url, queueTarget);
    inProcessWorker = opts.needsWorker.some((q) => !served.has(q));
  }
  const app = await startContext(config, database, {
    http: false,
    workers: inProcessWorker,
    scheduler: false,
    quiet: true,
  });
  return {
    config,
    database,
    app,
    inProcessWorker,
    queueTarget,
    async close() {
      await closeApp(app);
      await database.stop();
    },
  };
}

/**
 * The queues some worker process serves now, from the worker heartbeats of this queue target (the Nest context is
 * not up yet: whether it runs workers depends on the answer). Not BullMQ's worker count: on Redis that reads the
 * server-wide client list, so a worker of another Redis database with the same prefix would count, and the command
 * would wait for a worker that never takes its jobs.
 */
async function liveQueues(config: AppConfig, databaseUrl: string, target: string): Promise<Set<string>> {
  const ds = createDataSource(databaseUrl, 1);
  await ds.initialize();
  try {
    const rows = withoutGoneProcesses(
      await new WorkerHeartbeatRepository(ds).live(target, config.workerHeartbeatMs * MISSED_BEATS),
      machineIdentity(),
      pidRunning,
    );
    return new Set(rows.flatMap((r) => r.queues));
  } finally {
    await ds.destroy();
  }
}

/**
 * A context on an existing workspace. Only the IMPLICIT_WORKSPACES (`default`, and `demo` for the demo) are
 * created on first use, so the first commands on a fresh machine need no set-up; any other slug must exist, and a
 * typo fails instead of creating a new, empty tenant.
 */
export async function openSession(opts: {
  workspace: string;
  needsWorker?: readonly QueueName[];
  log?: (m: string) => void;
}): Promise<CliSession> {
  const context = await openContext(opts);
  const workspaces = context.app.get(WorkspacesService);
  const ws = IMPLICIT_WORKSPACES.includes(opts.workspace)
    ? await workspaces.ensure({ slug: opts.workspace })
    : await workspaces.find(opts.workspace);
  if (!ws) {
    await context.close();
    throw new CliError(unknownWorkspaceMessage(opts.workspace));
  }
  return { ...context, workspaceId: ws.id };
}

/** The default of `--stall-timeout`: seconds without progress and without a live worker before a wait gives up. */
export const DEFAULT_STALL_SECONDS = 60;

/**
 * Watches a CLI wait on a queue. Each poll of the waited-for thing reports a key of its progress; a side loop reads
 * the worker heartbeats. When the key has not changed and no live worker process has served the queue for
 * `stallMs`, the next `progress()` throws a CliError that names the queue, its target and what to do — instead of
 * waiting forever for jobs nobody takes.
 */
export class QueueWaitWatch {
  private lastKey: string | undefined;
  private lastChange = Date.now();
  private lastLive = Date.now();
  private failure?: CliError;
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly opts: {
      heartbeats: Pick<WorkerHeartbeatService, 'hasLiveWorker'>;
      queue: QueueName;
      /** what the queue lives on, as CliContext.queueTarget */
      target: string;
      stallMs: number;
      /** what is waited for, e.g. `score run <id>` */
      what: string;
      /** how to resume, appended to the message */
      resume: string;
    },
  ) {}

  start(): this {
    const every = Math.max(100, Math.min(2000, Math.floor(this.opts.stallMs / 4)));
    this.timer = setInterval(() => void this.check(), every);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reports the current state of the wait; throws once it has stalled. */
  progress(key: string): void {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastChange = Date.now();
    }
    if (this.failure) throw this.failure;
  }

  private async check(): Promise<void> {
    if (this.checking || this.failure) return;
    this.checking = true;
    try {
      // a heartbeat read that fails (database briefly away) counts as "no live worker seen"
      if (await this.opts.heartbeats.hasLiveWorker(this.opts.queue).catch(() => false))
        this.lastLive = Date.now();
      const quietFor = Date.now() - Math.max(this.lastChange, this.lastLive);
      if (quietFor >= this.opts.stallMs) {
        const s = Math.round(this.opts.stallMs / 1000);
        this.failure = new CliError(
          `${this.opts.what} made no progress for ${s} s and no live worker process serves the ` +
            `"${this.opts.queue}" queue (${this.opts.target}). Start a worker with the same DATABASE_URL, REDIS_URL ` +
            `and QUEUE_PREFIX (npm run start:worker), or ${this.opts.resume}`,
        );
      }
    } finally {
      this.checking = false;
    }
  }
}
