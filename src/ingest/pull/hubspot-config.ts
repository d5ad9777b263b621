/**
 * Configuration of a HubSpot connector (kind `hubspot`), validated with zod; pure, framework-free. Defaults are
 * HubSpot's documented values: CRM search pages of at most 200 records and 10,000 results per query, 4 search
 * requests per second per token, 100 requests per 10 seconds per private app (190 on Professional/Enterprise),
 * batch update of at most 100 records per call. The private app token is stored encrypted and never returned.
 */
import { z } from 'zod';
import { connectorRunFields, httpConfigSchema } from './connector-config';

/** HubSpot's documented maxima. */
export const HUBSPOT_MAX = {
  searchPageSize: 200,
  searchTotal: 10_000,
  batchUpdate: 100,
} as const;

const property = z.string().regex(/^[a-z0-9_]{1,100}$/, 'a HubSpot internal property name (lower case, _)');

/** Canonical customer field → the HubSpot contact property it is read from. */
export const DEFAULT_CONTACT_PROPERTIES = {
  updatedAt: 'lastmodifieddate',
  createdAt: 'createdate',
  email: 'email',
  phone: 'phone',
  region: 'state',
  country: 'country',
  industry: 'industry',
  sourceChannel: 'hs_analytics_source',
  ownerRepExternalId: 'hubspot_owner_id',
} as const;

const contactFields = z.strictObject({
  updatedAt: property.default(DEFAULT_CONTACT_PROPERTIES.updatedAt),
  createdAt: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.createdAt),
  email: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.email),
  phone: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.phone),
  region: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.region),
  /** read only when the value is an ISO 3166 alpha-2 code (HubSpot's default `country` is free text) */
  country: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.country),
  industry: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.industry),
  sourceChannel: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.sourceChannel),
  ownerRepExternalId: property.nullable().default(DEFAULT_CONTACT_PROPERTIES.ownerRepExternalId),
  /** joined with a space into the customer's name */
  name: z.array(property).min(1).max(4).default(['firstname', 'lastname']),
});

const contacts = z.strictObject({
  fields: contactFields.default(contactFields.parse({})),
  pageSize: z.number().int().min(1).max(HUBSPOT_MAX.searchPageSize).default(HUBSPOT_MAX.searchPageSize),
});

/** Canonical customer field → the HubSpot company property it is read from. */
export const DEFAULT_COMPANY_PROPERTIES = {
  updatedAt: 'hs_lastmodifieddate',
  createdAt: 'createdate',
  name: 'name',
  domain: 'domain',
  phone: 'phone',
  region: 'state',
  country: 'country',
  industry: 'industry',
  ownerRepExternalId: 'hubspot_owner_id',
} as const;

const companyFields = z.strictObject({
  updatedAt: property.default(DEFAULT_COMPANY_PROPERTIES.updatedAt),
  createdAt: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.createdAt),
  name: property.default(DEFAULT_COMPANY_PROPERTIES.name),
  /** the name when the company has none */
  domain: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.domain),
  phone: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.phone),
  region: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.region),
  country: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.country),
  industry: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.industry),
  ownerRepExternalId: property.nullable().default(DEFAULT_COMPANY_PROPERTIES.ownerRepExternalId),
});

/** Companies → customers of kind `business`, external id `company-<id>` (contact and company ids may collide). */
const companies = z.strictObject({
  enabled: z.boolean().default(false),
  fields: companyFields.default(companyFields.parse({})),
  pageSize: z.number().int().min(1).max(HUBSPOT_MAX.searchPageSize).default(HUBSPOT_MAX.searchPageSize),
});

export const DEFAULT_DEAL_PROPERTIES = {
  updatedAt: 'hs_lastmodifieddate',
  stage: 'dealstage',
  amount: 'amount',
  closedAt: 'closedate',
  currency: 'deal_currency_code',
  // HubSpot's calculated "Date entered 'Closed Won'" of the default pipeline: set once a deal was won, kept after
  wonEnteredAt: 'hs_date_entered_closedwon',
} as const;

const dealFields = z.strictObject({
  updatedAt: property.default(DEFAULT_DEAL_PROPERTIES.updatedAt),
  stage: property.default(DEFAULT_DEAL_PROPERTIES.stage),
  amount: property.default(DEFAULT_DEAL_PROPERTIES.amount),
  closedAt: property.default(DEFAULT_DEAL_PROPERTIES.closedAt),
  /** null: every deal is in `currency` */
  currency: property.nullable().default(DEFAULT_DEAL_PROPERTIES.currency),
  /**
   * the date the deal entered a won stage (`hs_date_entered_<stage id>`): a deal in a cancelled stage is a
   * cancelled order only when it has one; null: cancelled stages are not read
   */
  wonEnteredAt: property.nullable().default(DEFAULT_DEAL_PROPERTIES.wonEnteredAt),
  /** a deal property naming the deal a refund deal (negative amount) gives money back on; null: none */
  reverses: property.nullable().default(null),
});

/** Closed-won deals → orders; each deal's customer is its associated contact (or company). */
const deals = z.strictObject({
  enabled: z.boolean().default(false),
  fields: dealFields.default(dealFields.parse({})),
  /** the pipeline stage ids that mean won (HubSpot's default pipeline: `closedwon`) */
  wonStages: z.array(z.string().min(1).max(100)).min(1).max(50).default(['closedwon']),
  /**
   * stages that undo a won deal (HubSpot's default pipeline: `closedlost`): a deal there that was won before
   * (`fields.wonEnteredAt` set) is a cancelled order; [] : none
   */
  cancelledStages: z.array(z.string().min(1).max(100)).max(20).default(['closedlost']),
  /** the object a deal's customer is read from (its association) */
  customer: z.enum(['contacts', 'companies']).default('contacts'),
  /** the currency of a deal without a currency code (the portal's company currency) */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
    .default('USD'),
  pageSize: z.number().int().min(1).max(HUBSPOT_MAX.searchPageSize).default(HUBSPOT_MAX.searchPageSize),
});

export const HUBSPOT_COMPANIES_DEFAULT = companies.parse({});
export const HUBSPOT_DEALS_DEFAULT = deals.parse({});

const limits = z.strictObject({
  /** requests per interval per private app (HubSpot: 100 per 10 s, 190 on Professional/Enterprise) */
  requestsPerInterval: z.number().int().min(1).max(10_000).default(100),
  intervalMs: z.number().int().min(100).max(86_400_000).default(10_000),
  /** CRM search requests per second per token (HubSpot: 4) */
  searchPerSecond: z.number().int().min(1).max(100).default(4),
});

const writeBack = z.strictObject({
  enabled: z.boolean().default(true),
  /** records per batch/update call (HubSpot's maximum: 100) */
  batchSize: z.number().int().min(1).max(HUBSPOT_MAX.batchUpdate).default(HUBSPOT_MAX.batchUpdate),
  /** push pending changes every this many ms (also queued after each write-back pass); null: on demand only */
  everyMs: z.number().int().min(10_000).max(86_400_000).nullable().default(60_000),
  /** `customer.scores_changed` events coalesced into one push window (the newest values per record win) */
  eventsPerWindow: z.number().int().min(1).max(1000).default(40),
});

export const hubspotInputSchema = z.strictObject({
  kind: z.literal('hubspot'),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -'),
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/)
    .default('hubspot'),
  baseUrl: z
    .string()
    .max(2000)
    .refine((u) => {
      try {
        return ['http:', 'https:'].includes(new URL(u).protocol);
      } catch {
        return false;
      }
    }, 'an http(s) URL')
    .default('https://api.hubapi.com'),
  /** stored encrypted, never returned */
  auth: z.strictObject({ privateAppToken: z.string().min(8).max(4000) }),
  contacts: contacts.default(contacts.parse({})),
  companies: companies.default(HUBSPOT_COMPANIES_DEFAULT),
  deals: deals.default(HUBSPOT_DEALS_DEFAULT),
  limits: limits.default(limits.parse({})),
  writeBack: writeBack.default(writeBack.parse({})),
  ...connectorRunFields,
});

export type HubSpotSpec = z.output<typeof hubspotInputSchema>;
export type HubSpotContactsConfig = z.output<typeof contacts>;
export type HubSpotCompaniesConfig = z.output<typeof companies>;
export type HubSpotDealsConfig = z.output<typeof deals>;
export type HubSpotLimits = z.output<typeof limits>;
export type HubSpotWriteBack = z.output<typeof writeBack>;

/** What crm_connectors.config holds for a HubSpot connector. */
export interface HubSpotStoredConfig {
  contacts: HubSpotContactsConfig;
  /** absent in connectors stored before companies and deals were pulled (read as disabled) */
  companies?: HubSpotCompaniesConfig;
  deals?: HubSpotDealsConfig;
  limits: HubSpotLimits;
  writeBack: HubSpotWriteBack;
  http: z.output<typeof httpConfigSchema>;
  maxPagesPerRun: number;
}

/** A HubSpot connector as a run needs it, token decrypted (never logged, never returned by the API). */
export interface HubSpotRuntime extends HubSpotStoredConfig {
  kind: 'hubspot';
  id: string;
  workspaceId: string;
  name: string;
  source: string;
  baseUrl: string;
  token: string;
}
