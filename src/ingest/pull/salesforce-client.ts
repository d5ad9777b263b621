import { CrmHttpError, HttpDeps, HttpStats, PullHttpError, requestJson } from './crm-http-client';
import { errorCode, limitInfo, QueryResponse, queryResponseSchema } from './salesforce-api';
import { SalesforceAuth, SalesforceRuntime } from './salesforce-config';

/** Keeps renewed tokens (encrypted) so the next run starts with them. */
export type TokenStore = (auth: SalesforceAuth) => Promise<void>;

/**
 * Salesforce REST over the connector's guarded HTTP deps. Every answer's `Sforce-Limit-Info` is read; a request that
 * would eat into the share of the org's daily allocation kept for others (`limits.dailyReserve`) is not sent
 * (`crm_api_budget`: the run ends, the cursor kept), and a 403 `REQUEST_LIMIT_EXCEEDED` ends it the same way. A 401
 * `INVALID_SESSION_ID` renews the access token once with the refresh token (OAuth 2.0 refresh_token grant) and
 * repeats the request.
 */
export class SalesforceClient {
  private usage: { used: number; max: number } | null = null;

  constructor(
    private readonly c: SalesforceRuntime,
    private readonly stats: HttpStats,
    private readonly deps: HttpDeps,
    private readonly store: TokenStore,
  ) {}

  get requests(): number {
    return this.stats.requests;
  }

  /** The org's API usage as last reported. */
  get apiUsage(): { used: number; max: number } | null {
    return this.usage;
  }

  async select(soql: string): Promise<QueryResponse> {
    const path = `/services/data/${this.c.apiVersion}/query?q=${encodeURIComponent(soql)}`;
    return this.parseQuery(
      await this.call('GET', path, undefined, {
        'sforce-query-options': `batchSize=${this.c.records.pageSize}`,
      }),
    );
  }

  /** The next batch of a query, by its `nextRecordsUrl`. */
  async more(locator: string): Promise<QueryResponse> {
    return this.parseQuery(await this.call('GET', locator, undefined, {}));
  }

  /** `PATCH /services/data/vXX.X/composite/sobjects` (≤ 200 records): SaveResult[] in request order. */
  updateCollection(body: Record<string, unknown>): Promise<unknown> {
    return this.call('PATCH', `/services/data/${this.c.apiVersion}/composite/sobjects`, body, {});
  }

  private parseQuery(answer: unknown): QueryResponse {
    const parsed = queryResponseSchema.safeParse(answer);
    if (!parsed.success) {
      throw new PullHttpError('pull_bad_response', `SOQL query: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  }

  private async call(
    method: 'GET' | 'PATCH',
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<unknown> {
    for (let renewed = false; ; renewed = true) {
      this.checkBudget();
      try {
        return await requestJson(
          this.c.baseUrl.replace(/\/+$/, '') + path,
          { authorization: `Bearer ${this.c.auth.accessToken}` },
          this.c.http,
          this.stats,
          this.deps,
          { method, body, headers, onResponse: (_s, h) => this.observe(h) },
        );
      } catch (e) {
        if (!(e instanceof CrmHttpError)) throw e;
        const code = errorCode(e.body);
        if (e.vendorStatus === 401 && code === 'INVALID_SESSION_ID' && !renewed && this.c.auth.refreshToken) {
          await this.refresh();
          continue;
        }
        if (e.vendorStatus === 403 && code === 'REQUEST_LIMIT_EXCEEDED') {
          throw new PullHttpError(
            'crm_daily_limit',
            `Salesforce: the org's daily API request limit is exhausted`,
          );
        }
        throw e;
      }
    }
  }

  private observe(headers: Headers): void {
    const info = limitInfo(headers.get('sforce-limit-info'));
    if (info) this.usage = info;
  }

  private checkBudget(): void {
    const u = this.usage;
    if (u && u.used >= Math.floor(u.max * (1 - this.c.limits.dailyReserve))) {
      throw new PullHttpError(
        'crm_api_budget',
        `Salesforce API usage ${u.used}/${u.max}: the last ${Math.round(this.c.limits.dailyReserve * 100)} % ` +
          `of the org's daily allocation is left to other integrations`,
      );
    }
  }

  /** OAuth 2.0 refresh_token grant; the new access token is kept (encrypted) for later runs. */
  private async refresh(): Promise<void> {
    const a = this.c.auth;
    const url = a.tokenUrl ?? `${this.c.baseUrl.replace(/\/+$/, '')}/services/oauth2/token`;
    const answer = (await requestJson(url, {}, this.c.http, this.stats, this.deps, {
      method: 'POST',
      form: {
        grant_type: 'refresh_token',
        refresh_token: a.refreshToken ?? '',
        ...(a.clientId ? { client_id: a.clientId } : {}),
        ...(a.clientSecret ? { client_secret: a.clientSecret } : {}),
      },
    })) as { access_token?: unknown };
    if (typeof answer?.access_token !== 'string' || answer.access_token.length < 8) {
      throw new PullHttpError('pull_unauthorized', 'Salesforce token refresh answered no access_token');
    }
    this.c.auth = { ...a, accessToken: answer.access_token };
    await this.store(this.c.auth);
  }
}
