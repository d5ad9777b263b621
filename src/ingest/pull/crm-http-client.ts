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

/**
 * GETs a JSON document with a per-request timeout, a body size cap, and the retry policy of retry-policy.ts.
 * Headers (the API key among them) are never part of an error message or a log line.
 */
export async function getJson(
  url: string,
  headers: Record<string, string>,
  cfg: HttpConfig,
  stats: HttpStats,
  deps: HttpDeps = realHttpDeps,
): Promise<unknown> {
  const counters: RetryCounters = { serverErrors: 0, rateLimited: 0 };
  const where = safeUrl(url);
  for (;;) {
    stats.requests++;
    const attempt = await requestOnce(url, headers, cfg, deps, where);
    if ('body' in attempt) return attempt.body;
    const { outcome } = attempt;
    if (countsAsRateLimit(outcome)) {
      counters.rateLimited++;
      stats.rateLimited++;
    } else {
      counters.serverErrors++;
      stats.serverErrors++;
    }
    const decision = decideRetry(outcome, counters, cfg, deps.random, deps.now());
    if (!decision.retry) throw new PullHttpError(decision.code, `${where}: ${decision.message}`);
    stats.waitedMs += decision.delayMs;
    await deps.sleep(decision.delayMs);
  }
}

/**
 * One GET: the parsed body, or the outcome the retry policy judges (status, network error, garbled body). A body
 * over the size cap is final: it throws.
 */
async function requestOnce(
  url: string,
  headers: Record<string, string>,
  cfg: HttpConfig,
  deps: HttpDeps,
  where: string,
): Promise<{ body: unknown } | { outcome: RequestOutcome }> {
  try {
    const res = await deps.fetch(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(cfg.timeoutMs),
      redirect: 'error',
    });
    if (!res.ok) {
      const outcome: RequestOutcome = {
        kind: 'status',
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
      };
      await res.body?.cancel().catch(() => undefined);
      return { outcome };
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > cfg.maxBodyBytes) {
      await res.body?.cancel();
      throw new PullHttpError('pull_response_too_large', `${where}: ${declared} bytes > ${cfg.maxBodyBytes}`);
    }
    const text = await res.text();
    if (Buffer.byteLength(text) > cfg.maxBodyBytes)
      throw new PullHttpError('pull_response_too_large', `${where}: response over ${cfg.maxBodyBytes} bytes`);
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
