import { Transactions } from '../../src/database/transactions';
import { WebhookClock } from '../../src/webhooks/webhooks.providers';
import { OutboundEventType, OutboxService } from '../../src/webhooks/outbox.service';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookEndpointsService } from '../../src/webhooks/webhook-endpoints.service';
import { verifySignedBody } from '../../src/webhooks/webhook-signing';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';
import { TestReceiver } from './test-receiver';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/**
 * Delivery over days on a simulated clock: the service's clock is moved from one due attempt to the next (no
 * sleeping), deliveries are attempted in-process (no workers), receivers are real HTTP servers on loopback.
 */
describe('webhook delivery schedule (simulated clock)', () => {
  const nest = useTestApp({ workers: false });
  let now = 0;
  const receivers: TestReceiver[] = [];

  beforeAll(() => {
    now = Date.now();
    nest.app.get(WebhookClock).now = () => new Date(now);
  });
  afterAll(() => Promise.all(receivers.map((r) => r.stop())));

  const receiver = async () => {
    const r = await new TestReceiver().start();
    receivers.push(r);
    return r;
  };
  const workspace = async (slug: string) => (await nest.app.get(WorkspacesService).ensure({ slug })).id;
  const emit = (workspaceId: string, type: OutboundEventType, data: unknown) =>
    nest.app.get(Transactions).run((tx) => nest.app.get(OutboxService).append(tx, workspaceId, type, data));
  const delivery = () => nest.app.get(WebhookDeliveryService);
  const endpoints = () => nest.app.get(WebhookEndpointsService);

  /**
   * Runs the clock to `end`: dispatches and attempts whatever is due, then jumps to the next due attempt, the
   * next scheduled action or `end`, whichever comes first. Actions run when the clock reaches them.
   */
  async function runUntil(
    end: number,
    actions: Array<{ at: number; run: () => unknown }> = [],
  ): Promise<void> {
    const todo = [...actions].sort((a, b) => a.at - b.at);
    for (;;) {
      while (todo.length > 0 && todo[0].at <= now) await todo.shift()!.run();
      await delivery().dispatchPending();
      await delivery().deliverDue();
      await delivery().dispatchPending(); // endpoint.disabled events appended by the attempts
      const [{ next }] = await nest.db.query(
        `SELECT extract(epoch FROM min(next_attempt_at)) * 1000 AS next FROM webhook_deliveries
          WHERE status IN ('pending', 'failed') AND next_attempt_at IS NOT NULL`,
      );
      const candidates = [end, ...(next !== null ? [Math.ceil(Number(next))] : []), ...todo.map((a) => a.at)];
      const target = Math.max(now + 1, Math.min(...candidates));
      if (now >= end) return;
      now = Math.min(target, end);
    }
  }

  const log = async (workspaceId: string, endpointId: string) =>
    endpoints().deliveries(workspaceId, endpointId, { limit: 500 });

  it('a receiver down for an hour gets every event, once per webhook-id, after the 2-hour retry', async () => {
    const ws = await workspace('down-an-hour');
    const crm = await receiver();
    const ep = await endpoints().create(ws, crm.url);
    const start = now;
    let down = true;
    crm.answer = () => (down ? { status: 503, body: 'maintenance' } : { status: 204 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await emit(ws, 'scores.updated', { n: i }));

    await delivery().dispatchPending();
    await delivery().deliverDue();
    const [first] = await log(ws, ep.id);
    const gap = first.nextAttemptAt!.getTime() - first.lastAttemptAt!.getTime();
    expect(gap).toBeGreaterThanOrEqual(4.5 * S);
    expect(gap).toBeLessThanOrEqual(5.5 * S);
    expect(first).toMatchObject({ status: 'failed', responseStatus: 503, responseBody: 'maintenance' });

    await runUntil(start + 30 * H, [{ at: start + H, run: () => (down = false) }]);

    const rows = await log(ws, ep.id);
    expect(rows.map((r) => r.status)).toEqual(Array(5).fill('delivered'));
    // 0, 5 s, 5 min, 35 min fail; the 2-hour retry (≈ 2 h 35 min) succeeds
    expect(rows.map((r) => r.attempts)).toEqual(Array(5).fill(5));
    for (const r of rows) expect(r.deliveredAt!.getTime() - start).toBeGreaterThan(2 * H);
    const ok = crm.received.slice(-5);
    expect(new Set(ok.map((d) => d.webhookId))).toEqual(new Set(ids));
    expect(crm.uniqueIds()).toEqual(new Set(ids)); // retries reuse the webhook-id: dedupe by it is exact
    for (const d of ok)
      expect(verifySignedBody(ep.secret, d.body, d.headers as Record<string, string>)).toBeTruthy();
    expect((await endpoints().get(ws, ep.id)).failingSince).toBeNull();
  });

  it('honours Retry-After, and a 410 Gone disables the endpoint at once with an endpoint.disabled notice', async () => {
    const ws = await workspace('gone');
    const crm = await receiver();
    const watcher = await receiver();
    const ep = await endpoints().create(ws, crm.url, ['worklist.published']);
    const watch = await endpoints().create(ws, watcher.url, ['endpoint.disabled']);
    let answer: { status: number; headers?: Record<string, string> } = {
      status: 429,
      headers: { 'retry-after': '900' },
    };
    crm.answer = () => answer;
    await emit(ws, 'worklist.published', { worklistId: 'w1' });
    await emit(ws, 'worklist.published', { worklistId: 'w2' });
    await delivery().dispatchPending();
    await delivery().deliverDue();
    for (const r of await log(ws, ep.id)) {
      expect(r.responseStatus).toBe(429);
      expect(r.nextAttemptAt!.getTime() - r.lastAttemptAt!.getTime()).toBe(900 * S);
    }
    answer = { status: 410 };
    await runUntil(now + 20 * MIN);

    const gone = await endpoints().get(ws, ep.id);
    expect(gone).toMatchObject({ active: false, disabledReason: 'gone' });
    const rows = await log(ws, ep.id);
    // the 410 ends its delivery; the other one (attempted at the same moment, or stopped by the disable) ends too
    expect(rows.map((r) => r.status)).toContain('dead');
    expect(rows.every((r) => ['dead', 'failed'].includes(r.status) && r.nextAttemptAt === null)).toBe(true);
    for (const r of rows)
      expect(crm.received.filter((d) => d.webhookId === r.messageId).length).toBeLessThanOrEqual(2);
    const notices = watcher.received.map((d) => JSON.parse(d.body));
    expect(notices).toEqual([
      expect.objectContaining({
        type: 'endpoint.disabled',
        data: expect.objectContaining({ endpointId: ep.id, reason: 'gone', url: crm.url }),
      }),
    ]);
    expect((await log(ws, watch.id))[0]).toMatchObject({
      eventType: 'endpoint.disabled',
      status: 'delivered',
    });
    // the disabled endpoint is not contacted again
    const before = crm.received.length;
    await emit(ws, 'worklist.published', { worklistId: 'w3' });
    await runUntil(now + H);
    expect(crm.received.length).toBe(before);
  });

  it('a receiver down for 6 days: disabled on day 5 with a notice; recover after re-enabling replays everything', async () => {
    const realStart = new Date(Date.now() - S);
    const ws = await workspace('six-days');
    const crm = await receiver();
    const watcher = await receiver();
    const ep = await endpoints().create(ws, crm.url, ['worklist.published']);
    await endpoints().create(ws, watcher.url, ['endpoint.disabled']);
    crm.answer = () => ({ status: 502 });
    const start = now;
    const ids: string[] = [];
    const daily = Array.from({ length: 7 }, (_, d) => ({
      at: start + d * DAY + 7 * H,
      run: async () => ids.push(await emit(ws, 'worklist.published', { day: d })),
    }));

    await runUntil(start + 6 * DAY + 12 * H, daily);

    const disabled = await endpoints().get(ws, ep.id);
    expect(disabled).toMatchObject({ active: false, disabledReason: 'failing' });
    const streak = disabled.disabledAt!.getTime() - disabled.failingSince!.getTime();
    expect(streak).toBeGreaterThanOrEqual(5 * DAY);
    expect(streak).toBeLessThan(6 * DAY);
    expect(disabled.disabledAt!.getTime() - start).toBeLessThan(6 * DAY);
    expect(watcher.received.map((d) => JSON.parse(d.body).data)).toEqual([
      expect.objectContaining({ endpointId: ep.id, reason: 'failing' }),
    ]);
    expect(ids).toHaveLength(7);
    // the day-6 event was recorded for the disabled endpoint without a request
    const day6 = (await log(ws, ep.id)).find((r) => r.messageId === ids[6])!;
    expect(day6).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: 'not sent: the endpoint was disabled',
    });
    expect(crm.uniqueIds().has(ids[6])).toBe(false);

    crm.answer = () => ({ status: 200, body: 'ok' });
    await expect(endpoints().recover(ws, ep.id, realStart)).rejects.toMatchObject({
      code: 'endpoint_disabled',
    });
    await endpoints().setActive(ws, ep.id, true);
    expect(await endpoints().recover(ws, ep.id, realStart)).toEqual({ scheduled: 7 });
    await runUntil(now + MIN);

    const rows = await log(ws, ep.id);
    expect(rows.map((r) => r.status)).toEqual(Array(7).fill('delivered'));
    expect(rows.every((r) => r.responseBody === 'ok')).toBe(true);
    const delivered = crm.received.slice(-7).map((d) => d.webhookId);
    expect(new Set(delivered)).toEqual(new Set(ids));
  });
});
