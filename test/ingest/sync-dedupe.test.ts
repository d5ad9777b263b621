import { WebhookSecretsService } from '../../src/ingest/events/webhook-secrets.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, postEvents, t } from '../fake-crm/crm-events';
import { queueBackends } from '../support/test-db';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/**
 * Customers that arrive by webhook are deduplicated too: a batch that wrote customers queues one delayed dedupe run
 * per workspace (DEDUPE_AFTER_SYNC_DELAY_MS), which the batches until it starts join.
 */
describe.each(queueBackends())('dedupe after sync batches (queues on $name)', ({ redisUrl }) => {
  const nest = useTestApp({ http: true, redis: redisUrl, env: { DEDUPE_AFTER_SYNC_DELAY_MS: '300' } });
  let secret: string;
  let workspaceId: string;

  beforeAll(async () => {
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'sync-dedupe' })).id;
    secret = (await nest.app.get(WebhookSecretsService).rotate(workspaceId, 'test')).secret;
  });

  it('merges a customer that arrived by webhook into the older one with the same email', async () => {
    const first = await postEvents(nest.url, 'sync-dedupe', secret, {
      events: [
        ev.customer('crm-1', t(1), { name: 'Li Wei', email: 'li.wei@example.cn', createdAt: '2025-01-01' }),
        ev.customer('crm-2', t(1), { name: 'Zhang San', email: 'zhang@example.cn', createdAt: '2025-02-01' }),
      ],
    });
    // a later batch: the same person entered again in the CRM, email spelt differently
    const second = await postEvents(nest.url, 'sync-dedupe', secret, {
      events: [
        ev.customer('crm-9', t(2), { name: 'Wei Li', email: ' Li.Wei@Example.CN ', createdAt: '2026-05-01' }),
      ],
    });
    expect([first.status, second.status]).toEqual([202, 202]);
    const readMerge = async () =>
      (
        await nest.db.query(
          `SELECT w.external_id AS winner, l.external_id AS loser, m.reason, m.actor
           FROM customer_merges m JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
           WHERE m.workspace_id = $1`,
          [workspaceId],
        )
      )[0];
    await until('the merge', async () => (await readMerge()) !== undefined);
    const merge = await readMerge();
    expect(merge).toEqual({ winner: 'crm-1', loser: 'crm-9', reason: 'same_email', actor: 'system:dedupe' });
    const live: Array<{ external_id: string }> = await nest.db.query(
      `SELECT external_id FROM customers WHERE workspace_id = $1 AND merged_into_id IS NULL ORDER BY 1`,
      [workspaceId],
    );
    expect(live.map((c) => c.external_id)).toEqual(['crm-1', 'crm-2']);
  });
});
