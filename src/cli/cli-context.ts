import { INestApplicationContext } from '@nestjs/common';
import { startContext, prepareDatabase, configOrExit } from '../bootstrap';
import { AppConfig } from '../config/config';
import { ResolvedDatabase } from '../embedded/embedded-postgres';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
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
  close(): Promise<void>;
}

export interface CliSession extends CliContext {
  workspaceId: string;
}

/**
 * Opens what a command needs: the database (embedded when DATABASE_URL is unset, migrated) and the Nest context.
 * With `needsWorker`, the context runs queue workers in-process when no worker process is running.
 */
export async function openContext(opts: {
  needsWorker?: boolean;
  log?: (m: string) => void;
}): Promise<CliContext> {
  const config = configOrExit();
  const database = await prepareDatabase(config, opts.log);
  let inProcessWorker = false;
  if (opts.needsWorker) {
    const probe = new QueueFactory({
      redisUrl: config.redisUrl,
      databaseUrl: database.url,
      prefix: config.queuePrefix,
    });
    const queue = probe.queue(QUEUES.scoring);
    inProcessWorker = (await queue.getWorkersCount().catch(() => 0)) === 0;
    await probe.closeAll();
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
    async close() {
      await app.close();
      await database.stop();
    },
  };
}

/**
 * A context on an existing workspace. Only the IMPLICIT_WORKSPACES (`default`, and `demo` for the demo) are
 * created on first use, so the first commands on a fresh machine need no set-up; any other slug must exist, and a
 * typo fails instead of creating a new, empty tenant.
 */
export async function openSession(opts: {
  workspace: string;
  needsWorker?: boolean;
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
