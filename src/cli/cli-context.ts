import { INestApplicationContext } from '@nestjs/common';
import { startContext, prepareDatabase, configOrExit } from '../bootstrap';
import { AppConfig } from '../config/config';
import { ResolvedDatabase } from '../embedded/embedded-postgres';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
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

export interface CliSession {
  config: AppConfig;
  database: ResolvedDatabase;
  app: INestApplicationContext;
  workspaceId: string;
  /** true when this process consumes queue jobs itself because no worker was running */
  inProcessWorker: boolean;
  close(): Promise<void>;
}

/**
 * Opens what a command needs: the database (embedded when DATABASE_URL is unset, migrated), the Nest context and
 * the workspace. With `needsWorker`, the context runs queue workers in-process when no worker process is running.
 */
export async function openSession(opts: {
  workspace: string;
  needsWorker?: boolean;
  log?: (m: string) => void;
}): Promise<CliSession> {
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
  const ws = await app.get(WorkspacesService).ensure({ slug: opts.workspace });
  return {
    config,
    database,
    app,
    workspaceId: ws.id,
    inProcessWorker,
    async close() {
      await app.close();
      await database.stop();
    },
  };
}
