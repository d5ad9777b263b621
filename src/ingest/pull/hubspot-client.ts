import { Injectable } from '@nestjs/common';
import { HttpDeps, HttpStats, PullHttpError, requestJson } from './crm-http-client';
import { HubSpotRuntime } from './hubspot-config';
import { primaryAssociations, rateLimitHeaders, SearchResponse, searchResponseSchema } from './hubspot-api';
import { SlidingWindow } from './rate-limiter';

/** The two windows HubSpot counts a private app's requests in: the rolling 10-second one and search's secondly one. */
export interface HubSpotWindows {
  general: SlidingWindow;
  search: SlidingWindow;
}

/**
 * The rate-limit windows of each connector, shared by its pulls and pushes in this process (HubSpot counts per
 * app and token, not per job). A configuration change starts fresh windows.
 */
@Injectable()
export class CrmRateLimiters {
  private readonly byConnector = new Map<string, { key: string; windows: HubSpotWindows }>();

  hubspot(c: HubSpotRuntime): HubSpotWindows {
    const key = JSON.stringify(c.limits);
    const known = this.byConnector.get(c.id);
    if (known && known.key === key) return known.windows;
    const windows = {
      general: new SlidingWindow({ max: c.limits.requestsPerInterval, intervalMs: c.limits.intervalMs }),
      search: new SlidingWindow({ max: c.limits.searchPerSecond, intervalMs: 1000 }),
    };
    this.byConnector.set(c.id, { key, windows });
    return windows;
  }
}

/** How long a 429's policy needs when it sends no Retry-After: a second, the rolling window, or the day (give up). */
function policyWaitMs(body: unknown, windowMs: number): number {
  const policy = (body as { policyName?: unknown } | null)?.policyName;
  if (policy === 'SECONDLY') return 1000;
  if (policy === 'DAILY') return 3_600_000; // beyond any maxRetryAfterMs: the run ends, the next one resumes
  return windowMs;
}

/**
 * HubSpot CRM v3 over the connector's guarded HTTP deps: every request waits for its window first (so 429s are
 * the exception, not the pacing), adopts the `X-HubSpot-RateLimit-*` window each answer reports, and on a 429
 * pauses every request of the connector for the Retry-After or the rest of the window.
 */
export class HubSpotClient {
  constructor(
    private readonly c: HubSpotRuntime,
    private readonly windows: HubSpotWindows,
    private readonly stats: HttpStats,
    private readonly deps: HttpDeps,
  ) {}

  /** Requests sent so far (retries included): the API calls a vendor counts. */
  get requests(): number {
    return this.stats.requests;
  }

  searchContacts(body: Record<string, unknown>): Promise<SearchResponse> {
    return this.search('contacts', body);
  }

  /** `POST /crm/v3/objects/{object}/search`, in the search window (4 per second). */
  async search(
    object: 'contacts' | 'companies' | 'deals',
    body: Record<string, unknown>,
  ): Promise<SearchResponse> {
    const answer = await this.call('search', 'POST', `/crm/v3/objects/${object}/search`, body);
    const parsed = searchResponseSchema.safeParse(answer);
    if (!parsed.success) {
      throw new PullHttpError('pull_bad_response', `${object} search: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  }

  /**
   * One `POST /crm/v4/associations/deals/{to}/batch/read` for a page's deals (≤ 200 of the 1,000 it takes): each
   * deal's customer id. A 207 answers the deals that have associations and lists the others as errors.
   */
  async dealAssociations(to: 'contacts' | 'companies', dealIds: string[]): Promise<Map<string, string>> {
    if (dealIds.length === 0) return new Map();
    const answer = await this.call('general', 'POST', `/crm/v4/associations/deals/${to}/batch/read`, {
      inputs: dealIds.map((id) => ({ id })),
    });
    const found = primaryAssociations(answer);
    if (!found) throw new PullHttpError('pull_bad_response', `deal associations: not a batch answer`);
    return found;
  }

  /** `POST /crm/v3/objects/contacts/batch/update` (≤ 100 inputs); answers the body (200, or 207 with `errors`). */
  batchUpdateContacts(inputs: Array<{ id: string; properties: Record<string, string> }>): Promise<unknown> {
    return this.call('general', 'POST', '/crm/v3/objects/contacts/batch/update', { inputs });
  }

  private call(
    kind: 'search' | 'general',
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body: unknown,
  ): Promise<unknown> {
    const w = kind === 'search' ? this.windows.search : this.windows.general;
    let sentAt = 0;
    return requestJson(
      this.c.baseUrl.replace(/\/+$/, '') + path,
      { authorization: `Bearer ${this.c.token}` },
      this.c.http,
      this.stats,
      this.deps,
      {
        method,
        body,
        beforeAttempt: async () => {
          for (let wait = w.delay(this.deps.now()); wait > 0; wait = w.delay(this.deps.now())) {
            this.stats.waitedMs += wait;
            await this.deps.sleep(wait);
          }
          sentAt = this.deps.now();
          w.record(sentAt);
        },
        onResponse: (_status, headers) => {
          w.settle(sentAt, this.deps.now());
          const report = rateLimitHeaders((n) => headers.get(n));
          if (report && kind === 'general') w.observe(report, this.deps.now());
        },
        rateLimitWaitMs: (b) => policyWaitMs(b, w.current.intervalMs),
        onRateLimited: (ms) => {
          w.throttled(this.deps.now());
          w.pause(ms, this.deps.now());
        },
      },
    );
  }
}
