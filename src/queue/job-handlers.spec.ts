import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { JobHandlers, OnJob } from './job-handlers';
import { JOBS } from './jobs';
import { QueueDatabaseRepository } from './queue-database.repository';
import { QUEUES, QueueName } from './queue-factory';

/** Providers with a handler for every job of the registry, as Nest's discovery would list them. */
function providersCovering(skip?: string): object[] {
  const instances: object[] = [];
  for (const [queue, names] of Object.entries(JOBS)) {
    for (const name of Object.keys(names)) {
      if (`${queue}/${name}` === skip) continue;
      class Handler {
        handle(data: unknown) {
          return Promise.resolve({ queue, name, data });
        }
      }
      OnJob(queue as QueueName, name as never)(
        Handler.prototype,
        'handle',
        Object.getOwnPropertyDescriptor(Handler.prototype, 'handle') as PropertyDescriptor,
      );
      instances.push(new Handler());
    }
  }
  return instances;
}

function handlersOf(instances: object[]): JobHandlers {
  const discovery = {
    getProviders: () => instances.map((instance) => ({ instance, isDependencyTreeStatic: () => true })),
  } as unknown as DiscoveryService;
  // no job here names a row: the row lookup is test/queue/job-scope.test.ts's
  const rows = {
    workspaceOfRow: () => Promise.reject(new Error('no database in this spec')),
  } as unknown as QueueDatabaseRepository;
  return new JobHandlers(discovery, new MetadataScanner(), rows);
}

describe('JobHandlers', () => {
  it('dispatches a job to the handler of its queue and name', async () => {
    const handlers = handlersOf(providersCovering());
    handlers.onModuleInit();
    const job = {
      name: 'publish',
      data: { workspaceId: '6f1c7a2e-4b1d-4c55-9a8e-0d9e2f3a4b5c', listDate: '2026-01-01' },
    };
    await expect(handlers.handle(QUEUES.worklist, job as never)).resolves.toEqual({
      queue: 'worklist',
      name: 'publish',
      data: job.data,
    });
    await expect(handlers.handle(QUEUES.worklist, { name: 'nope' } as never)).rejects.toThrow(
      /unknown worklist job nope/,
    );
  });

  it('refuses to start when a job of the registry has no handler', () => {
    const handlers = handlersOf(providersCovering('scoring/fit'));
    expect(() => handlers.onModuleInit()).toThrow(/scoring\/fit has no handler/);
  });

  it('refuses to start when a job has two handlers', () => {
    const twice = providersCovering();
    twice.push(providersCovering()[0]);
    expect(() => handlersOf(twice).onModuleInit()).toThrow(/has two handlers/);
  });
});
