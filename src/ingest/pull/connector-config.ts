/**
 * Configuration of a generic REST pull connector, validated with zod (pure, framework-free). One connector per
 * CRM installation: where the lists are, how pages advance (an opaque cursor or an inclusive `updated_since`
 * watermark), how records map to the canonical event fields, and how patient to be with a struggling server.
 */
import { z } from 'zod';

export const PULL_ENTITIES = ['customers', 'orders', 'interactions'] as const;
export type PullEntity = (typeof PULL_ENTITIES)[number];

/** canonical field → path in the source record (`a.b`, `items.0.sku`); unmapped fields use their canonical name */
const fieldMap = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,59}$/), z.string().min(1).max(200))
  .refine((m) => Object.keys(m).length <= 60, 'at most 60 mapped fields');

const entity = z.strictObject({
  /** path under baseUrl, e.g. `/api/customers` */
  path: z
    .string()
    .max(500)
    .regex(/^\/[^\s?#]*$/, 'an absolute path without query string'),
  fields: fieldMap.default({}),
  /** customers: mapping of each item of `contacts`; orders: of each item of `lines` */
  itemFields: fieldMap.default({}),
});

const paging = z.strictObject({
  mode: z.enum(['cursor', 'updated_since']).default('cursor'),
  cursorParam: z.string().min(1).max(60).default('cursor'),
  updatedSinceParam: z.string().min(1).max(60).default('updated_since'),
  limitParam: z.string().min(1).max(60).default('limit'),
  pageSize: z.number().int().min(1).max(1000).default(100),
  recordsPath: z.string().min(1).max(200).default('data'),
  nextCursorPath: z.string().min(1).max(200).default('next_cursor'),
  /** when set, a false value here ends the list; otherwise a short page does */
  hasMorePath: z.string().min(1).max(200).optional(),
});

export const httpConfigSchema = z.strictObject({
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** attempts per request on 5xx, timeouts and network errors */
  maxAttempts: z.number().int().min(1).max(20).default(6),
  /** 429 answers tolerated per request before the run gives up (the next run resumes at the cursor) */
  maxRateLimitWaits: z.number().int().min(0).max(1000).default(60),
  baseDelayMs: z.number().int().min(1).max(60_000).default(500),
  maxDelayMs: z.number().int().min(1).max(600_000).default(30_000),
  /** a Retry-After longer than this ends the run instead of holding a worker */
  maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(120_000),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

/** How every kind of connector runs: HTTP settings, schedule, page cap, on/off (one definition for all kinds). */
export const connectorRunFields = {
  http: httpConfigSchema.default(httpConfigSchema.parse({})),
  /** run every this many ms as a BullMQ job scheduler; null/absent = on demand only */
  scheduleEveryMs: z
    .number()
    .int()
    .min(10_000)
    .max(7 * 24 * 3600_000)
    .nullish(),
  maxPagesPerRun: z.number().int().min(1).max(1_000_000).default(10_000),
  enabled: z.boolean().default(true),
};

export const connectorInputSchema = z.strictObject({
  /** the generic REST connector; `hubspot` has its own schema (hubspot-config.ts) */
  kind: z.literal('generic').optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -'),
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/)
    .default('crm'),
  baseUrl: z
    .string()
    .max(2000)
    .refine((u) => {
      try {
        return ['http:', 'https:'].includes(new URL(u).protocol);
      } catch {
        return false;
      }
    }, 'an http(s) URL'),
  /** e.g. { header: 'Authorization', value: 'Bearer …' }; stored encrypted, never returned */
  auth: z
    .strictObject({
      header: z.string().regex(/^[A-Za-z0-9-]{1,100}$/),
      value: z.string().min(1).max(4000),
    })
    .optional(),
  entities: z
    .strictObject({
      customers: entity.optional(),
      orders: entity.optional(),
      interactions: entity.optional(),
    })
    .refine((e) => Object.values(e).some(Boolean), 'configure at least one entity'),
  paging: paging.default(paging.parse({})),
  ...connectorRunFields,
});

export type ConnectorInput = z.input<typeof connectorInputSchema>;
export type ConnectorSpec = z.output<typeof connectorInputSchema>;
export type EntityConfig = z.output<typeof entity>;
export type PagingConfig = z.output<typeof paging>;
export type HttpConfig = z.output<typeof httpConfigSchema>;

/** The part stored in crm_connectors.config (everything but the identity, URL, secret and schedule). */
export interface StoredConnectorConfig {
  entities: ConnectorSpec['entities'];
  paging: PagingConfig;
  http: HttpConfig;
  maxPagesPerRun: number;
}

/** Everything a run needs, secret decrypted (never logged, never returned by the API). */
export interface ConnectorRuntime extends StoredConnectorConfig {
  kind: 'generic';
  id: string;
  workspaceId: string;
  name: string;
  source: string;
  baseUrl: string;
  auth: { header: string; value: string } | null;
}

/** The URL of one page: base + entity path + cursor / watermark + page size. */
export function pageUrl(
  c: Pick<ConnectorRuntime, 'baseUrl' | 'paging'>,
  entityPath: string,
  position: string | null,
): string {
  const url = new URL(c.baseUrl.replace(/\/+$/, '') + entityPath);
  url.searchParams.set(c.paging.limitParam, String(c.paging.pageSize));
  if (position !== null) {
    url.searchParams.set(
      c.paging.mode === 'cursor' ? c.paging.cursorParam : c.paging.updatedSinceParam,
      position,
    );
  }
  return url.toString();
}
