import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Metric names the workers push to the API (everything of ours; the process's own nodejs_/process_ stay local). */
export const PUSHED_PREFIX = 'callplan_';

/**
 * Every metric Callplan exports, on a registry of its own per application (two apps in one test process count
 * apart). Labels are bounded: routes are templates, statuses classes, outcomes fixed words; the one per-tenant label
 * is `workspace` (the slug) on the last-success gauge — one series per workspace (docs/operations.md#monitoring).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'callplan_http_request_duration_seconds',
    help: 'HTTP requests by method, route template (unmatched: no route) and status class (2xx…5xx)',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly listPagesFromMemory = new Counter({
    name: 'callplan_worklist_pages_from_memory_total',
    help: 'GET /v1/me/worklist answered from memory at the front of the HTTP stack, by status (200, 304)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'callplan_rate_limited_total',
    help: 'requests answered 429, by limit (key, ip, auth_failures)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'callplan_auth_failures_total',
    help: 'failed authentications, by kind (api_key, embed_token, crm_signature, metrics_token)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly scoringRunDuration = new Histogram({
    name: 'callplan_scoring_run_duration_seconds',
    help: 'scoring runs from queued to completed or failed, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
    registers: [this.registry],
  });

  readonly scoringRuns = new Counter({
    name: 'callplan_scoring_runs_total',
    help: 'finished scoring runs by outcome (completed, failed) and kind (live, backtest)',
    labelNames: ['outcome', 'kind'] as const,
    registers: [this.registry],
  });

  readonly scoringLastSuccess = new Gauge({
    name: 'callplan_scoring_last_success_timestamp_seconds',
    help: 'unix time the last live scoring run of a workspace completed (read from the database at scrape)',
    labelNames: ['workspace'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'callplan_webhook_deliveries_total',
    help: 'delivery attempts by outcome: delivered, retrying (failed, another attempt scheduled), dead (no more), not_sent (endpoint disabled)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookAttemptDuration = new Histogram({
    name: 'callplan_webhook_attempt_duration_seconds',
    help: 'time of one outbound delivery request, by result (2xx, 4xx, 5xx, network)',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly crmInbox = new Gauge({
    name: 'callplan_crm_inbox_messages',
    help: 'inbound CRM webhook messages not processed, by state (pending, failed; read at scrape)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly crmInboxOldestPending = new Gauge({
    name: 'callplan_crm_inbox_oldest_pending_seconds',
    help: 'age of the oldest pending inbound CRM message (0 when none; read at scrape)',
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'callplan_queue_jobs',
    help: 'jobs per queue and state (waiting, active, delayed, failed; read at scrape)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly queueJobsFinished = new Counter({
    name: 'callplan_queue_jobs_finished_total',
    help: 'jobs a worker finished, by queue and outcome (completed, failed: an attempt that threw)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly imports = new Counter({
    name: 'callplan_imports_total',
    help: 'finished CSV imports (API uploads) by kind and outcome (completed, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly scrapeErrors = new Gauge({
    name: 'callplan_metrics_scrape_errors',
    help: '1 when a part read at scrape (queues, inbox, scoring, pushed) failed or took too long this scrape',
    labelNames: ['part'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The names of every metric, for checks (alert rules name existing metrics). */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((m) => m.name);
  }
}

/** `200` → `2xx`. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
