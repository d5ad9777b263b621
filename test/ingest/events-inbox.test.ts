import { INestApplicationContext } from '@nestjs/common';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { CrmInboxService } from '../../src/ingest/events/crm-inbox.service';
import { WebhookSecretsService } from '../../src/ingest/events/webhook-secrets.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, postEvents, t } from '../fake-crm/crm-events';
import { createTestContext } from '../support/test-app';
import { queueBackends } from '../support/test-db';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/**
 * The inbox makes a 2xx durable: an API process that accepts messages while no worker runs (or whose worker dies)
 * loses nothing. Rows stay pending until a worker applies them; failed rows are reprocessed on request.
 */
describe.each(queueBackends())('CRM inbox: crash after 2xx, reprocess (queues on $name)', ({ redisUrl }) => {
  // the API accepts, but nothing consumes the queue until a test starts a worker
  const nest = useTestApp({ http: true, redis: redisUrl, workers: false });
  let worker: INestApplicationContext | null = null;
  nest.cleanup(() => worker?.close());
  let secret: string;
  let adminKey: string;
  let workspaceId: string;

  beforeAll(async () => {
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'inbox' })).id;
    secret = (await nest.app.get(WebhookSecretsService).rotate(workspaceId, 'test')).secret;
    adminKey = (await nest.app.get(ApiKeysService).create({ workspaceId, name: 'admin', role: 'admin' })).key;
  });

  const status = async (id: unknown) =>
    (await nest.db.query(`SELECT status, attempts, last_error FROM crm_inbox WHERE id = $1`, [id]))[0];
  const customers = async () =>
    (
      await nest.db.query(`SELECT external_id FROM customers WHERE workspace_id = $1 ORDER BY 1`, [
        workspaceId,
      ])
    ).map((r: { external_id: string }) => r.external_id);

  it('keeps accepted messages pending while no worker runs, applies them when one starts', async () => {
    const a = await postEvents(nest.url, 'inbox', secret, { events: [ev.customer('a', t(1))] });
    const b = await postEvents(nest.url, 'inbox', secret, { events: [ev.customer('b', t(1))] });
    expect([a.status, b.status]).toEqual([202, 202]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await status(a.body.inboxId)).status).toBe('pending');
    expect(await customers()).toEqual([]);

    worker = await createTestContext(nest.config, { workers: true }); // the worker comes (back)
    // both get applied; in whichever order the worker's concurrent jobs finish (the last note saw b before a)
    await until(
      'the pending rows',
      async () =>
        (await status(a.body.inboxId)).status === 'processed' &&
        (await status(b.body.inboxId)).status === 'processed',
    );
    expect(await customers()).toEqual(['a', 'b']);
  });

  it('marks a row that cannot be applied failed, with the reason, and reprocesses it on request', async () => {
    const c = await postEvents(nest.url, 'inbox', secret, { events: [ev.customer('c', t(1))] });
    await until('c', async () => (await status(c.body.inboxId)).status === 'processed');
    // a stored message that cannot be applied (here: it cannot be decrypted, e.g. a key was removed too early)
    const [row] = await nest.db.query(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc)
       SELECT workspace_id, 'broken', signed_at, event_count, '\\x00' FROM crm_inbox WHERE id = $1 RETURNING id`,
      [c.body.inboxId],
    );
    await expect(nest.app.get(CrmInboxService).process(String(row.id))).rejects.toThrow();
    expect(await status(row.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await status(row.id)).last_error).toBeTruthy();
    // fixed (the key is back / the message restored): an admin reprocesses failed rows
    await nest.db.query(
      `UPDATE crm_inbox SET payload_enc = (SELECT payload_enc FROM crm_inbox WHERE id = $2) WHERE id = $1`,
      [row.id, c.body.inboxId],
    );
    const res = await fetch(`${nest.url}/v1/crm/inbox/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'failed' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ queued: 1 });
    await until('the reprocessed row', async () => (await status(row.id)).status === 'processed');
    expect(await customers()).toEqual(['a', 'b', 'c']);
  });

  it('refuses an inbox id past the bigint range with 400 naming the field (it was a 500 from the cast)', async () => {
    const res = await fetch(`${nest.url}/v1/crm/inbox/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['9999999999999999999999999999999999999999'] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(JSON.stringify(body.error)).toContain('ids');
  });

  it('sweeps rows whose job was lost, and a second job for a processed row does nothing', async () => {
    const [row] = await nest.db.query(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc, received_at)
       SELECT workspace_id, 'lost-enqueue', signed_at, event_count, payload_enc, now() - interval '5 minutes'
       FROM crm_inbox WHERE workspace_id = $1 ORDER BY id LIMIT 1 RETURNING id`,
      [workspaceId],
    );
    expect(await nest.app.get(CrmInboxService).sweep()).toBeGreaterThanOrEqual(1);
    await until('the swept row', async () => (await status(row.id)).status === 'processed');
    expect(await nest.app.get(CrmInboxService).process(String(row.id))).toBeNull();
    expect(await customers()).toEqual(['a', 'b', 'c']);
  });
});
