import { randomUUID } from 'node:crypto';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, postEvents, t } from '../fake-crm/crm-events';
import { poll, record } from './fault-harness';
import { useTestApp } from '../support/use-test-app';

/**
 * The CRM's clock is off: the Standard Webhooks timestamp is checked against ±300 s. A sender skewed inside the
 * window is accepted; outside it, refused with 401 `stale_signature` and nothing applied; the CRM's retry of the
 * same message (same webhook-id) once its clock is right is applied exactly once.
 */
describe('inbound webhook signatures under clock skew (HTTP, PostgreSQL queues)', () => {
  const nest = useTestApp({ http: true });
  let secret: string;
  let workspaceId: string;
  const slug = 'skew';

  beforeAll(async () => {
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug })).id;
    const key = (await nest.app.get(ApiKeysService).create({ workspaceId, name: 'admin', role: 'admin' }))
      .key;
    const rotated = await fetch(`${nest.url}/v1/crm/webhook-secret/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    secret = ((await rotated.json()) as { secret: string }).secret;
  });

  const count = async (ext: string) =>
    (
      await nest.db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND external_id = $2`,
        [workspaceId, ext],
      )
    )[0].n;

  it.each([
    ['4 min behind', -240, 202],
    ['4 min ahead', 240, 202],
    ['6 min behind', -360, 401],
    ['6 min ahead', 360, 401],
  ])('a sender %s: %d s → %d; a retry with the right clock applies it once', async (label, skewS, status) => {
    const ext = `skew-${skewS}`;
    const webhookId = `msg_${randomUUID()}`;
    const body = { events: [ev.customer(ext, t(1))] };
    const skewed = await postEvents(nest.url, slug, secret, body, {
      webhookId,
      at: new Date(Date.now() + skewS * 1000),
    });
    expect(skewed.status).toBe(status);
    if (status === 401) {
      expect(skewed.body.error?.code).toBe('stale_signature');
      expect(await count(ext)).toBe(0);
    }
    // the CRM retries the same message (its clock fixed): applied once, whatever happened to the first try
    const retry = await postEvents(nest.url, slug, secret, body, { webhookId });
    expect(retry.status).toBe(202);
    await poll(`customer ${ext}`, async () => ((await count(ext)) > 0 ? true : null), 30_000);
    // give a duplicate every chance to land before counting
    const [{ pending }] = await nest.db.query<Array<{ pending: number }>>(
      `SELECT count(*)::int AS pending FROM crm_inbox WHERE workspace_id = $1 AND status <> 'processed'`,
      [workspaceId],
    );
    expect(pending).toBe(0);
    expect(await count(ext)).toBe(1);
    record({
      case: `inbound signature, sender clock ${label}`,
      observed: `${skewed.status}${status === 401 ? ' stale_signature, nothing applied' : ''}; retry with the right clock 202; customer applied once`,
    });
  });
});
