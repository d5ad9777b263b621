import { INestApplicationContext } from '@nestjs/common';
import { WebhookEndpointsService } from '../../src/webhooks/webhook-endpoints.service';
import { runScoring } from '../scoring/scoring-fixture';
import { seedCrm } from '../support/crm-fixture';
import { createTestContext } from '../support/test-app';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { TestReceiver } from '../webhooks/test-receiver';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

/** One sample's value in exposition text (labels in any order), or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const key = (s: string) => {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})?$/i.exec(s);
    return m ? `${m[1]}{${(m[2]?.match(/[a-z_]+="[^"]*"/gi) ?? []).sort().join(',')}}` : s;
  };
  const wanted = key(series);
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    if (space > 0 && key(line.slice(0, space)) === wanted) return Number(line.slice(space + 1));
  }
  return undefined;
}

/**
 * Issue 12 item 10: /metrics shows what the workers did (pushed through the database: the API process here runs no
 * workers) next to the API's own HTTP and authentication series and the gauges read at scrape time.
 */
describe('/metrics of an API process with a separate worker process', () => {
  const api = useTestApp({ http: true, workers: false, env: { METRICS_TOKEN } });
  let worker: INestApplicationContext;
  let receiver: TestReceiver;
  const scrape = async () => {
    const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    // another process's worth of app: same database and queue prefix, workers on, pushing every 200 ms
    worker = await createTestContext({ ...api.config, metricsPushMs: 200 }, { workers: true });
    receiver = await new TestReceiver().start();
    // before the API closes and the database is dropped
    api.cleanup(async () => {
      await worker?.close();
      await receiver?.stop();
    });
  });

  it('after a scoring run and a delivery shows the run, the delivery, the jobs and the last success', async () => {
    const { workspaceId } = await seedCrm(worker, { slug: 'metrics-ws', customers: 120 });
    await worker.get(WebhookEndpointsService).create(workspaceId, receiver.url, ['scores.updated']);
    const run = await runScoring(worker, workspaceId, '2026-11-24');
    expect(run.status).toBe('completed');
    let text = '';
    await until('the worker to push its counts', async () => {
      text = await scrape();
      return (
        sample(text, 'callplan_scoring_runs_total{outcome="completed",kind="live"}') === 1 &&
        sample(text, 'callplan_webhook_deliveries_total{outcome="delivered"}') === 1
      );
    });
    expect(sample(text, 'callplan_scoring_run_duration_seconds_count{outcome="completed"}')).toBe(1);
    expect(sample(text, 'callplan_webhook_attempt_duration_seconds_count{result="2xx"}')).toBe(1);
    expect(
      sample(text, 'callplan_queue_jobs_finished_total{queue="scoring",outcome="completed"}'),
    ).toBeGreaterThan(3);
    const last = sample(text, 'callplan_scoring_last_success_timestamp_seconds{workspace="metrics-ws"}');
    expect(last).toBeGreaterThan(Date.now() / 1000 - 600);
    for (const q of ['scoring', 'worklist', 'webhooks', 'crm-sync', 'assignments'])
      expect(sample(text, `callplan_queue_jobs{queue="${q}",state="waiting"}`)).toBeDefined();
    expect(sample(text, 'callplan_crm_inbox_messages{state="pending"}')).toBe(0);
    expect(sample(text, 'callplan_crm_inbox_messages{state="failed"}')).toBe(0);
    expect(sample(text, 'callplan_metrics_scrape_errors{part="inbox"}')).toBe(0);
    // the API's own process metrics are there once, not summed with the worker's
    expect(text.match(/^process_start_time_seconds /gm)).toHaveLength(1);
  });

  it('after a failed inbound signature shows it, and times requests by route template, never by path', async () => {
    const res = await fetch(`${api.url}/v1/crm/events/metrics-ws`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg-1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      body: '{"events":[]}',
    });
    expect(res.status).toBe(401);
    await fetch(`${api.url}/v1/customers/12345`);
    await fetch(`${api.url}/no/such/path`);
    const text = await scrape();
    expect(sample(text, 'callplan_auth_failures_total{kind="crm_signature"}')).toBe(1);
    expect(
      sample(
        text,
        'callplan_http_request_duration_seconds_count{method="POST",route="/v1/crm/events/:workspaceSlug",status_class="4xx"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'callplan_http_request_duration_seconds_count{method="GET",route="/v1/customers/:id",status_class="4xx"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'callplan_http_request_duration_seconds_count{method="GET",route="unmatched",status_class="4xx"}',
      ),
    ).toBe(1);
    expect(text).not.toMatch(/route="[^"]*(metrics-ws|12345|no\/such)/);
  });
});
