import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** Thrown when the environment does not describe a runnable service; the entry points print it and exit 1. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

const base64Key = z
  .string()
  .refine(
    (s) => Buffer.from(s, 'base64').length === 32,
    'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  );

/** One rate limit: at most `limit` requests per `windowMs`; null = off. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx): RateLimit | null => {
      const parsed = parseRateLimit(s.trim());
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected <requests>/<window> like 600/1m, or off' });
        return z.NEVER;
      }
      return parsed;
    });

/** `'600/1m'` → { limit: 600, windowMs: 60000 }; `'off'` → null; undefined when not a rate limit. */
export function parseRateLimit(text: string): RateLimit | null | undefined {
  if (text === 'off') return null;
  const m = /^(\d{1,9})\/(.+)$/.exec(text);
  const windowMs = m ? durationMs(m[2]) : null;
  if (!m || !windowMs || Number(m[1]) < 1) return undefined;
  return { limit: Number(m[1]), windowMs };
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().url().optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/i, 'letters, digits, _ and - only')
    .default('callplan'),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  /** Comma-separated `version:base64key` list; the first is used to encrypt, all are tried to decrypt (rotation). */
  PII_ENCRYPTION_KEYS: z.string().optional(),
  /** Key of the HMAC used for the lookup hash of normalised email/phone (matching without decrypting). */
  PII_HASH_KEY: base64Key.optional(),
  /** the hash key being replaced, while `callplan pii rotate-hash` re-keys the blind indexes (docs/operations.md) */
  PII_HASH_KEY_PREVIOUS: base64Key.optional(),
  /** Scoring concurrency per worker process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  SCORING_CHUNK_SIZE: z.coerce.number().int().min(100).max(1_000_000).default(50_000),
  /** Lock of a running scoring job; a worker that dies loses its job to another worker after this. */
  SCORING_LOCK_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** How often workers look for jobs whose lock expired (stalled: the worker died). */
  SCORING_STALLED_CHECK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** A run still "active" with no live queue job and no progress for this long is marked failed on the next start. */
  SCORING_STALE_RUN_MINUTES: z.coerce.number().min(0.01).max(10_080).default(30),
  /** Test hook only: each chunk job waits this long before writing (to kill a worker mid-chunk). */
  SCORING_CHUNK_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /**
   * Duplicate detection after webhook or pull batches that wrote customers waits this long, so a burst of batches
   * shares one run (the CSV import runs it at its end instead).
   */
  DEDUPE_AFTER_SYNC_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * Waits between delivery attempts after the first try (Stripe/Svix-like: 5 s … 10 h, about 27 h in all), each with
   * ±10 % jitter; the number of entries + 1 is the number of attempts.
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5s,5m,30m,2h,5h,10h,10h')
    .transform((s, ctx) => {
      const steps = s.split(',').map((p) => durationMs(p.trim()));
      if (steps.length === 0 || steps.length > 30 || steps.some((v) => v === null)) {
        ctx.addIssue({ code: 'custom', message: 'expected 1–30 durations like 5s,5m,2h,1d' });
        return z.NEVER;
      }
      return steps as number[];
    }),
  /** An endpoint whose every delivery has failed for this many days is disabled (endpoint.disabled is sent). */
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().min(0.001).max(365).default(5),
  /**
   * CIDRs that webhook endpoints and pull connectors may reach although they are not public addresses (an
   * on-premise CRM: `10.20.0.0/16,fd00:1::/64`). Default empty: public addresses only.
   */
  WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .default('')
    .refine(
      (s) => s.split(',').every((e) => !e.trim() || validCidr(e.trim())),
      'expected a comma-separated list of CIDRs or addresses (10.0.0.0/8,::1/128)',
    ),
  /** Largest CSV accepted by POST /v1/imports (bigger files: the CLI). */
  IMPORT_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 ** 3)
    .default(512 * 1024 ** 2),
  /** Bearer token for GET /metrics; unset → /metrics answers 404 (API keys never open it: it spans every tenant). */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (openssl rand -hex 24)').optional(),
  /** How often each worker process writes its heartbeat; /health calls a worker dead after 4 missed beats. */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * Rate limits (`<requests>/<window>`, e.g. `1200/1m`, or `off`), shared by every API process through Redis when
   * REDIS_URL is set, else through PostgreSQL (docs/operations.md#rate-limits). Per API key over all its routes:
   */
  RATE_LIMIT_KEY: rateLimit('1200/1m'),
  /** Per client address on the routes without a key (`/health`, the embed page): */
  RATE_LIMIT_IP: rateLimit('600/1m'),
  /**
   * Failed authentications per client address (bad, expired or revoked keys, bad embed tokens, bad inbound webhook
   * signatures, a wrong metrics token); past the limit the address gets 429 for the rest of the window, unchecked.
   */
  RATE_LIMIT_AUTH_FAILURES: rateLimit('60/1m'),
  /**
   * Express `trust proxy`: which proxies' X-Forwarded-For names the client address the limits count by. `false`
   * (default: the socket's address), `true`, a hop count, or a comma-separated list of addresses/CIDRs/`loopback`.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((s): boolean | number | string =>
      s === 'true' ? true : s === 'false' ? false : /^\d+$/.test(s) ? Number(s) : s,
    ),
  /** How often a process without HTTP (worker, CLI) writes its metrics for the API's /metrics to add up, ms. */
  METRICS_PUSH_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** How often scheduler processes upsert the job schedulers again (back after the queue backend lost its data). */
  SCHEDULES_REFRESH_MS: z.coerce.number().int().min(500).max(86_400_000).default(300_000),
  /**
   * Memory of each API process for list pages served from memory (`GET /v1/me/worklist` and
   * `/v1/reps/{id}/worklist`: ETags and bodies, least recently used out first), MiB; 0 reads every page from
   * PostgreSQL (docs/worklists.md#served-from-memory).
   */
  WORKLIST_MEMO_MB: z.coerce.number().min(0).max(16_384).default(64),
});

export interface PiiKeys {
  /** version id → 32-byte AES-256-GCM key; the first entry encrypts */
  encryption: Array<{ version: string; key: Buffer }>;
  hashKey: Buffer;
  /** PII_HASH_KEY_PREVIOUS: set only during a hash-key rotation */
  previousHashKey?: Buffer;
}

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  logLevel: string;
  /** undefined → the embedded PostgreSQL is started (see src/embedded) */
  databaseUrl?: string;
  databasePoolSize: number;
  /** undefined → queues run on BullMQ's PostgreSQL backend */
  redisUrl?: string;
  queuePrefix: string;
  dataDir: string;
  embeddedPgPort: number;
  pii: PiiKeys;
  workerConcurrency: number;
  scoringChunkSize: number;
  scoringLockMs: number;
  scoringStalledCheckMs: number;
  scoringStaleRunMinutes: number;
  /** test hook: delay inside every chunk job, ms (0 in production) */
  scoringChunkDelayMs: number;
  dedupeAfterSyncDelayMs: number;
  webhookTimeoutMs: number;
  /** ms to wait before each retry (index 0 = after the first try) */
  webhookRetryScheduleMs: number[];
  webhookDisableAfterDays: number;
  /** CIDR list the SSRF guard opens (WEBHOOK_ALLOW_PRIVATE), as written */
  webhookAllowPrivate: string;
  /** bytes; larger multipart uploads answer 413 */
  importMaxUploadBytes: number;
  /** bearer token of GET /metrics (METRICS_TOKEN); undefined → /metrics is off (404) */
  metricsToken?: string;
  /** ms between worker heartbeats (WORKER_HEARTBEAT_MS) */
  workerHeartbeatMs: number;
  /** rate limits (null = off): per API key, per address on keyless routes, failed authentications per address */
  rateLimits: { key: RateLimit | null; ip: RateLimit | null; authFailures: RateLimit | null };
  /** Express `trust proxy` (TRUST_PROXY) */
  trustProxy: boolean | number | string;
  /** ms between metrics pushes of a process without HTTP (METRICS_PUSH_MS) */
  metricsPushMs: number;
  /** ms between re-registrations of the job schedulers (SCHEDULES_REFRESH_MS) */
  schedulesRefreshMs: number;
  /** bytes of served list pages each API process keeps (WORKLIST_MEMO_MB); 0 = off */
  worklistMemoBytes: number;
}

/** Reads and validates the environment once. Never logs secret values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    dataDir,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    pii: {
      ...resolvePiiKeys(e.PII_ENCRYPTION_KEYS, e.PII_HASH_KEY, e.NODE_ENV, dataDir),
      ...(e.PII_HASH_KEY_PREVIOUS ? { previousHashKey: Buffer.from(e.PII_HASH_KEY_PREVIOUS, 'base64') } : {}),
    },
    workerConcurrency: e.WORKER_CONCURRENCY,
    scoringChunkSize: e.SCORING_CHUNK_SIZE,
    scoringLockMs: e.SCORING_LOCK_MS,
    scoringStalledCheckMs: e.SCORING_STALLED_CHECK_MS,
    scoringStaleRunMinutes: e.SCORING_STALE_RUN_MINUTES,
    scoringChunkDelayMs: e.SCORING_CHUNK_DELAY_MS,
    dedupeAfterSyncDelayMs: e.DEDUPE_AFTER_SYNC_DELAY_MS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookRetryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
    webhookDisableAfterDays: e.WEBHOOK_DISABLE_AFTER_DAYS,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    importMaxUploadBytes: e.IMPORT_MAX_UPLOAD_BYTES,
    metricsToken: e.METRICS_TOKEN,
    workerHeartbeatMs: e.WORKER_HEARTBEAT_MS,
    rateLimits: { key: e.RATE_LIMIT_KEY, ip: e.RATE_LIMIT_IP, authFailures: e.RATE_LIMIT_AUTH_FAILURES },
    trustProxy: e.TRUST_PROXY,
    metricsPushMs: e.METRICS_PUSH_MS,
    schedulesRefreshMs: e.SCHEDULES_REFRESH_MS,
    worklistMemoBytes: Math.round(e.WORKLIST_MEMO_MB * 1024 * 1024),
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '5s' → 5000, '2h' → 7200000; null when not a duration. */
function durationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2]]) : null;
}

function validCidr(entry: string): boolean {
  try {
    if (entry.includes('/')) ipaddr.parseCIDR(entry);
    else ipaddr.parse(entry);
    return true;
  } catch {
    return false;
  }
}

function resolvePiiKeys(
  encryptionKeys: string | undefined,
  hashKey: string | undefined,
  env: AppConfig['env'],
  dataDir: string,
): PiiKeys {
  if (encryptionKeys && hashKey) {
    return { encryption: parseEncryptionKeys(encryptionKeys), hashKey: Buffer.from(hashKey, 'base64') };
  }
  if (env === 'production') {
    throw new ConfigError(['PII_ENCRYPTION_KEYS and PII_HASH_KEY are required in production']);
  }
  // Outside production, keys are generated once and kept beside the embedded database so that a
  // restarted demo can still decrypt what it stored. They are never printed.
  const file = join(dataDir, 'dev-secrets.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const fresh = {
      encryption: `v1:${randomBytes(32).toString('base64')}`,
      hash: randomBytes(32).toString('base64'),
    };
    writeFileSync(file, JSON.stringify(fresh), { mode: 0o600 });
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { encryption: string; hash: string };
  return {
    encryption: parseEncryptionKeys(encryptionKeys ?? stored.encryption),
    hashKey: Buffer.from(hashKey ?? stored.hash, 'base64'),
  };
}

function parseEncryptionKeys(spec: string): PiiKeys['encryption'] {
  const keys = spec.split(',').map((part, i) => {
    const [version, key] = part.trim().split(':');
    if (!version || !key || !/^[a-z0-9]{1,8}$/i.test(version)) {
      throw new ConfigError([`PII_ENCRYPTION_KEYS entry ${i + 1}: expected version:base64key`]);
    }
    const buf = Buffer.from(key, 'base64');
    if (buf.length !== 32)
      throw new ConfigError([`PII_ENCRYPTION_KEYS entry ${i + 1} (${version}): must be 32 bytes`]);
    return { version, key: buf };
  });
  return keys;
}
