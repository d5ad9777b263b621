import { AppError } from '../../common/app-error';
import { OutboundGuard, OutboundRefused } from '../../net/outbound-guard';
import type { HttpConfig } from './connector-config';
import { countsAsRateLimit, decideRetry, RequestOutcome, RetryCounters } from './retry-policy';

/** A pull request that failed for good (after the retries the policy allows). */
export class PullHttpError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 502);
  }
}

export interface HttpDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

export const realHttpDeps: HttpDeps = {
  fetch: (...args) => fetch(...args),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
  now: Date.now,
};

/**
 * The production deps: requests go through the SSRF guard (public addresses or WEBHOOK_ALLOW_PRIVATE only, the
 * connection pinned to the checked address, redirects not followed).
 */
export function guardedHttpDeps(guard: OutboundGuard): HttpDeps {
  return {
    ...realHttpDeps,
    // undici's fetch and the global one share the WHATWG shapes; only their declared types differ
    fetch: ((url: string | URL, init?: RequestInit) =>
      guard.fetch(String(url), init as never)) as unknown as typeof fetch,
  };
}

export interface HttpStats {
  requests: number;
  rateLimited: number;
  serverErrors: number;
  waitedMs: number;
}

export function emptyHttpStats(): HttpStats {
  return { requests: 0, rateLimited: 0, serverErrors: 0, waitedMs: 0 };
}

/** A request that failed for good with an HTTP status: the status and the vendor's error body (never headers). */
export class CrmHttpError extends PullHttpError {
  constructor(
    code: string,
    message: string,
    readonly vendorStatus: number,
    readonly body: unknown,
  ) {
    super(code, message);
  }
}

/** How a vendor client shapes a request beyond a plain GET. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH';
  /** sent as JSON */
  body?: unknown;
  /** sent as application/x-www-form-urlencoded instead (OAuth token requests) */
  form?: Record<string, string>;
  /** extra request headers (e.g. Sforce-Query-Options) */
  headers?: Record<string, string>;
  /** awaited before every attempt: the client-side rate limiter */
  beforeAttempt?: () => Promise<void>;
  /** every answer's status and headers (rate-limit reports, daily usage) */
  onResponse?: (status: number, headers: Headers) => void;
  /** a 429 without Retry-After: how long the vendor's window needs (ms), from its error body */
  rateLimitWaitMs?: (body: unknown) => number | null;
  /** a rate-limited answer: pause every request of the connector this long */
  onRateLimited?: (waitMs: number) => void;
}

/**
 * GETs a JSON document with a per-request timeout, a body size cap, and the retry policy of retry-policy.ts.
 * Headers (the API key among them) are never part of an error message or a log line.
 */
export function getJson(
  url: string,
  headers: Record<string, string>,
  cfg: HttpConfig,
  stats: HttpStats,
  deps: HttpDeps = realHttpDeps,
): Promise<unknown> {
  return requestJson(url, headers, cfg, stats, deps, {});
}

/**
 * One JSON request with the retry policy (429s and 503s with Retry-After wait as asked, 5xx and network errors back
 * off, other 4xx fail at once as CrmHttpError with the vendor's error body).
 */
export async function requestJson(
  url: string,
  headers: Record<string, string>,
  cfg: HttpConfig,
  stats: HttpStats,
  deps: HttpDeps,
  opts: RequestOptions,
): Promise<unknown> {
  const counters: RetryCounters = { serverErrors: 0, rateLimited: 0 };
  const where = safeUrl(url);
  for (;;) {
    await opts.beforeAttempt?.();
    stats.requests++;
    const attempt = await requestOnce(url, headers, cfg, deps, where, opts);
    if ('body' in attempt) return attempt.body;
    const { outcome, errorBody } = attempt;
    if (countsAsRateLimit(outcome)) {
      counters.rateLimited++;
      stats.rateLimited++;
      if (outcome.kind === 'status' && outcome.retryAfter === null && opts.rateLimitWaitMs) {
        const ms = opts.rateLimitWaitMs(errorBody);
        if (ms !== null) outcome.retryAfter = String(Math.max(1, Math.ceil(ms / 1000)));
      }
    } else if (outcome.kind === 'network' || outcome.status >= 500 || outcome.status === 408) {
      counters.serverErrors++;
      stats.serverErrors++;
    }
    const decision = decideRetry(outcome, counters, cfg, deps.random, deps.now());
    if (!decision.retry) {
      const detail = vendorMessage(errorBody);
      const message = `${where}: ${decision.message}${detail ? ` (${detail})` : ''}`;
      if (outcome.kind === 'status')
        throw new CrmHttpError(decision.code, message, outcome.status, errorBody);
      throw new PullHttpError(decision.code, message);
    }
    if (decision.reason === 'rate_limited') opts.onRateLimited?.(decision.delayMs);
    stats.waitedMs += decision.delayMs;
    await deps.sleep(decision.delayMs);
  }
}

/** The human part of a vendor's error body (HubSpot `message`, Salesforce `[0].message`), capped. */
function vendorMessage(body: unknown): string | null {
  const first = Array.isArray(body) ? (body[0] as unknown) : body;
  const m = (first as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m.slice(0, 300) : null;
}

/**
 * One request: the parsed body, or the outcome the retry policy judges (status, network error, garbled body) with
 * the error body when the vendor sent JSON. A body over the size cap is final: it throws.
 */
async function requestOnce(
  url: string,
  headers: Record<string, string>,
  cfg: HttpConfig,
  deps: HttpDeps,
  where: string,
  opts: RequestOptions,
): Promise<{ body: unknown } | { outcome: RequestOutcome; errorBody?: unknown }> {
  try {
    const payload =
      opts.form !== undefined
        ? { type: 'application/x-www-form-urlencoded', text: new URLSearchParams(opts.form).toString() }
        : opts.body !== undefined
          ? { type: 'application/json', text: JSON.stringify(opts.body) }
          : null;
    const res = await deps.fetch(url, {
      method: opts.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(payload ? { 'content-type': payload.type } : {}),
        ...opts.headers,
        ...headers,
      },
      ...(payload ? { body: payload.text } : {}),
      signal: AbortSignal.timeout(cfg.timeoutMs),
      redirect: 'error',
    });
    opts.onResponse?.(res.status, res.headers);
    if (!res.ok) {
      const outcome: RequestOutcome = {
        kind: 'status',
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
      };
      return { outcome, errorBody: await errorBodyOf(res) };
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > cfg.maxBodyBytes) {
      await res.body?.cancel();
      throw new PullHttpError('pull_response_too_large', `${where}: ${declared} bytes > ${cfg.maxBodyBytes}`);
    }
    const text = await res.text();
    if (Buffer.byteLength(text) > cfg.maxBodyBytes)
      throw new PullHttpError('pull_response_too_large', `${where}: response over ${cfg.maxBodyBytes} bytes`);
    if (text === '' && res.status === 204) return { body: null };
    try {
      return { body: JSON.parse(text) as unknown };
    } catch {
      // A truncated or garbled body is usually a struggling server: retried like a 5xx.
      return { outcome: { kind: 'network', message: 'response is not valid JSON' } };
    }
  } catch (e) {
    if (e instanceof PullHttpError) throw e;
    const refused = refusal(e);
    if (refused) throw new PullHttpError('url_not_allowed', `${where}: ${refused}`);
    const err = e as Error;
    return {
      outcome: {
        kind: 'network',
        message: err.name === 'TimeoutError' ? `timed out after ${cfg.timeoutMs} ms` : err.message,
      },
    };
  }
}

/** An error answer's JSON body (at most 64 KiB read), or undefined. */
async function errorBodyOf(res: Response): Promise<unknown> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > 65_536 || !(res.headers.get('content-type') ?? '').includes('json')) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  try {
    const text = await res.text();
    return text.length > 65_536 ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** The SSRF guard's reason when it refused the request (at the check, or at the connection's lookup). */
function refusal(e: unknown): string | null {
  if (e instanceof OutboundRefused) return e.message;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code === 'ERR_OUTBOUND_REFUSED' ? (cause.message ?? 'address not allowed') : null;
}

/** Scheme, host and path only: query strings may carry tokens. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
