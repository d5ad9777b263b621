import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { AppConfig } from '../../src/config/config';
import { CrmInboxService } from '../../src/ingest/events/crm-inbox.service';
import { WebhookSecretsService } from '../../src/ingest/events/webhook-secrets.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, postEvents, t } from '../fake-crm/crm-events';
import { createTestContext, createTestHttpApp, testConfig } from '../support/test-app';
import { createTestDatabase, queueBackends, TestDatabase } from '../support/test-db';
import { until } from '../support/until';

/**
 * The inbox makes a 2xx durable: an API process that accepts messages while no worker runs (or whose worker dies)
 * loses nothing. Rows stay pending until a worker applies them; failed rows are reprocessed on request.
 */
describe.each(queueBackends())('CRM inbox: crash after 2xx, reprocess (queues on $name)', ({ redisUrl }) => {
  let db: TestDatabase;
  let config: AppConfig;
  let api: INestApplication;
  let worker: INestApplicationContext | null = null;
  let sql: DataSource;
  let base: string;
  let secret: string;
  let adminKey: string;
  let workspaceId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig(db.url, { redisUrl });
    api = await createTestHttpApp(config, { workers: false }); // accepts, but nothing consumes the queue
    sql = api.get(DataSource);
    base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    workspaceId = (await api.get(WorkspacesService).ensure({ slug: 'inbox' })).id;
    secret = (await api.get(WebhookSecretsService).rotate(workspaceId, 'test')).secret;
    adminKey = (await api.get(ApiKeysService).create({ workspaceId, name: 'admin', role: 'admin' })).key;
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  const status = async (id: unknown) =>
    (await sql.query(`SELECT status, attempts, last_error FROM crm_inbox WHERE id = $1`, [id]))[0];
  const customers = async () =>
    (
      await sql.query(`SELECT external_id FROM customers WHERE workspace_id = $1 ORDER BY 1`, [workspaceId])
    ).map((r: { external_id: string }) => r.external_id);

  it('keeps accepted messages pending while no worker runs, applies them when one starts', async () => {
    const a = await postEvents(base, 'inbox', secret, { events: [ev.customer('a', t(1))] });
    const b = await postEvents(base, 'inbox', secret, { events: [ev.customer('b', t(1))] });
    expect([a.status, b.status]).toEqual([202, 202]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await status(a.body.inboxId)).status).toBe('pending');
    expect(await customers()).toEqual([]);

    worker = await createTestContext(config, { workers: true }); // the worker comes (back)
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
    const c = await postEvents(base, 'inbox', secret, { events: [ev.customer('c', t(1))] });
    await until('c', async () => (await status(c.body.inboxId)).status === 'processed');
    // a stored message that cannot be applied (here: it cannot be decrypted, e.g. a key was removed too early)
    const [row] = await sql.query(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc)
       SELECT workspace_id, 'broken', signed_at, event_count, '\\x00' FROM crm_inbox WHERE id = $1 RETURNING id`,
      [c.body.inboxId],
    );
    await expect(api.get(CrmInboxService).process(String(row.id))).rejects.toThrow();
    expect(await status(row.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await status(row.id)).last_error).toBeTruthy();
    // fixed (the key is back / the message restored): an admin reprocesses failed rows
    await sql.query(
      `UPDATE crm_inbox SET payload_enc = (SELECT payload_enc FROM crm_inbox WHERE id = $2) WHERE id = $1`,
      [row.id, c.body.inboxId],
    );
    const res = await fetch(`${base}/v1/crm/inbox/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'failed' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ queued: 1 });
    await until('the reprocessed row', async () => (await status(row.id)).status === 'processed');
    expect(await customers()).toEqual(['a', 'b', 'c']);
  });

  it('sweeps rows whose job was lost, and a second job for a processed row does nothing', async () => {
    const [row] = await sql.query(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc, received_at)
       SELECT workspace_id, 'lost-enqueue', signed_at, event_count, payload_enc, now() - interval '5 minutes'
       FROM crm_inbox WHERE workspace_id = $1 ORDER BY id LIMIT 1 RETURNING id`,
      [workspaceId],
    );
    expect(await api.get(CrmInboxService).sweep()).toBeGreaterThanOrEqual(1);
    await until('the swept row', async () => (await status(row.id)).status === 'processed');
    expect(await api.get(CrmInboxService).process(String(row.id))).toBeNull();
    expect(await customers()).toEqual(['a', 'b', 'c']);
  });
});
