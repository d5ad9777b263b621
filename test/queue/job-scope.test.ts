import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Job } from 'bullmq';
import { ImportsRepository } from '../../src/ingest/imports/imports.repository';
import { JobHandlers, OnJob } from '../../src/queue/job-handlers';
import { JOBS } from '../../src/queue/jobs';
import { QueueDatabaseRepository } from '../../src/queue/queue-database.repository';
import { QUEUES, QueueName } from '../../src/queue/queue-factory';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * The tenant scope a job runs in, over the app's real (row-level security) connections: every handler here reads
 * which workspaces' imports it can see. A job whose payload names a row (here an import) runs in that row's
 * workspace only, never across workspaces; the outbox dispatch does run across them.
 */
describe('job handlers: the tenant scope of a job', () => {
  const t = useTestApp({ workers: false });
  let handlers: JobHandlers;
  let a: string;
  let b: string;
  let importOfA: string;

  beforeAll(async () => {
    a = (await t.app.get(WorkspacesService).ensure({ slug: 'scope-a' })).id;
    b = (await t.app.get(WorkspacesService).ensure({ slug: 'scope-b' })).id;
    const imports = t.app.get(ImportsRepository);
    importOfA = await imports.create(a, 'customers', 'a.csv', {}, 'test');
    await imports.create(b, 'customers', 'b.csv', {}, 'test');
    // one handler per job of the registry, each answering the workspaces whose imports it sees
    const instances = Object.entries(JOBS).flatMap(([queue, names]) =>
      Object.keys(names).map((name) => {
        class SeesWorkspaces {
          async handle(): Promise<string[]> {
            const rows = await t.db.query<Array<{ workspace_id: string }>>(
              `SELECT DISTINCT workspace_id FROM imports ORDER BY workspace_id`,
            );
            return rows.map((r) => r.workspace_id);
          }
        }
        const d = Object.getOwnPropertyDescriptor(SeesWorkspaces.prototype, 'handle') as PropertyDescriptor;
        OnJob(queue as QueueName, name as never)(SeesWorkspaces.prototype, 'handle', d);
        return new SeesWorkspaces();
      }),
    );
    const discovery = {
      getProviders: () => instances.map((instance) => ({ instance, isDependencyTreeStatic: () => true })),
    } as unknown as DiscoveryService;
    handlers = new JobHandlers(discovery, new MetadataScanner(), t.app.get(QueueDatabaseRepository));
    handlers.onModuleInit();
  });

  const job = (name: string, data: unknown) => ({ id: 'j1', name, data }) as unknown as Job;

  it("a job naming a row of workspace A sees A's rows only, not B's", async () => {
    await expect(handlers.handle(QUEUES.crmSync, job('import', { importId: importOfA }))).resolves.toEqual([
      a,
    ]);
  });

  it('a job naming a row that does not exist does nothing', async () => {
    const gone = '00000000-0000-4000-8000-000000000000';
    await expect(handlers.handle(QUEUES.crmSync, job('import', { importId: gone }))).resolves.toBeNull();
    await expect(handlers.handle(QUEUES.webhooks, job('deliver', { deliveryId: 'x' }))).resolves.toBeNull();
  });

  it('a job naming its workspace sees that workspace only', async () => {
    await expect(handlers.handle(QUEUES.crmSync, job('dedupe', { workspaceId: b }))).resolves.toEqual([b]);
  });

  it('the outbox dispatch, cross-tenant by design, sees every workspace', async () => {
    const seen = (await handlers.handle(QUEUES.webhooks, job('dispatch', {}))) as string[];
    expect(seen).toEqual(expect.arrayContaining([a, b]));
  });

  it('a job that names neither a workspace nor a row is refused', async () => {
    await expect(
      handlers.handle(QUEUES.worklist, job('publish', { listDate: '2026-01-01' })),
    ).rejects.toThrow(/names no workspace and no row/);
  });
});
