/**
 * Configuration of a Salesforce connector (kind `salesforce`), validated with zod; pure, framework-free. Defaults are
 * Salesforce's documented values: SOQL query batches of 2,000 records (`nextRecordsUrl` paging), sObject Collections
 * updates of at most 200 records per call, the org's rolling 24-hour API request allocation reported in
 * `Sforce-Limit-Info: api-usage=N/M`. The OAuth tokens (access, refresh, client secret) are stored encrypted and never
 * returned.
 */
import { z } from 'zod';
import { connectorRunFields, httpConfigSchema } from './connector-config';

export const SALESFORCE_MAX = { queryBatch: 2000, collection: 200 } as const;

const field = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$/, 'a field API name');

const recordFields = z.strictObject({
  updatedAt: field.default('SystemModstamp'),
  name: field.nullable().default('Name'),
  email: field.nullable().default('Email'),
  phone: field.nullable().default('Phone'),
  region: field.nullable().default('MailingState'),
  /** an ISO code field (state and country picklists on: `MailingCountryCode`) */
  country: field.nullable().default('MailingCountryCode'),
  industry: field.nullable().default(null),
  sourceChannel: field.nullable().default('LeadSource'),
  ownerRepExternalId: field.nullable().default('OwnerId'),
  createdAt: field.nullable().default('CreatedDate'),
});

/** Won Opportunities as orders (amount in major units of `currency`, or of the record's `currencyField`). */
const opportunities = z.strictObject({
  enabled: z.boolean().default(false),
  /** the lookup to the customer record: ContactId for Contacts, AccountId for Accounts (default: by `object`) */
  customerField: z.enum(['ContactId', 'AccountId']).nullable().default(null),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
    .default('USD'),
  /** multi-currency orgs: `CurrencyIsoCode` */
  currencyField: field.nullable().default(null),
  /**
   * StageName values of closed Opportunities that undo a won one (an org's own "Cancelled" stage; not "Closed Lost",
   * which mostly means never won): pulled too, as cancelled orders; [] : none
   */
  cancelledStages: z
    .array(z.string().regex(/^[^'\\\n\r]{1,120}$/, 'a stage name (no quotes, backslashes or line breaks)'))
    .max(20)
    .default([]),
  /**
   * a lookup on a refund Opportunity (negative Amount) naming the Opportunity it gives money back on (a custom
   * field, e.g. `Refunded_Opportunity__c`); null: none, scoring matches the refund to an order
   */
  reversesField: field.nullable().default(null),
});

const records = z.strictObject({
  /** the sObject pulled as customers and written back to */
  object: z.enum(['Contact', 'Account']).default('Contact'),
  fields: recordFields.default(recordFields.parse({})),
  /** records per query batch (Sforce-Query-Options batchSize: 200–2,000) */
  pageSize: z.number().int().min(200).max(SALESFORCE_MAX.queryBatch).default(SALESFORCE_MAX.queryBatch),
  opportunities: opportunities.default(opportunities.parse({})),
});

const limits = z.strictObject({
  /** share of the org's daily API allocation left for other integrations: a run stops before eating into it */
  dailyReserve: z.number().min(0).max(0.9).default(0.1),
});

const writeBack = z.strictObject({
  enabled: z.boolean().default(true),
  /** records per sObject Collections call (Salesforce's maximum: 200) */
  batchSize: z.number().int().min(1).max(SALESFORCE_MAX.collection).default(SALESFORCE_MAX.collection),
  everyMs: z.number().int().min(10_000).max(86_400_000).nullable().default(60_000),
  eventsPerWindow: z.number().int().min(1).max(1000).default(40),
});

const url = z
  .string()
  .max(2000)
  .refine((u) => {
    try {
      return ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  }, 'an http(s) URL');

export const salesforceInputSchema = z.strictObject({
  kind: z.literal('salesforce'),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -'),
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/)
    .default('salesforce'),
  /** the org's instance URL, e.g. https://acme.my.salesforce.com */
  baseUrl: url,
  apiVersion: z
    .string()
    .regex(/^v\d{2,3}\.0$/, 'e.g. v62.0')
    .default('v62.0'),
  /** stored encrypted, never returned; with a refresh token, an expired session is renewed at tokenUrl */
  auth: z.strictObject({
    accessToken: z.string().min(8).max(4000),
    refreshToken: z.string().min(8).max(4000).optional(),
    clientId: z.string().min(1).max(500).optional(),
    clientSecret: z.string().min(1).max(500).optional(),
    /** default: <baseUrl>/services/oauth2/token */
    tokenUrl: url.optional(),
  }),
  records: records.default(records.parse({})),
  limits: limits.default(limits.parse({})),
  writeBack: writeBack.default(writeBack.parse({})),
  ...connectorRunFields,
});

export type SalesforceSpec = z.output<typeof salesforceInputSchema>;
export type SalesforceRecordsConfig = z.output<typeof records>;
export type SalesforceAuth = SalesforceSpec['auth'];

/** What crm_connectors.config holds for a Salesforce connector. */
export interface SalesforceStoredConfig {
  apiVersion: string;
  records: SalesforceRecordsConfig;
  limits: z.output<typeof limits>;
  writeBack: z.output<typeof writeBack>;
  http: z.output<typeof httpConfigSchema>;
  maxPagesPerRun: number;
}

/** A Salesforce connector as a run needs it, tokens decrypted (never logged, never returned by the API). */
export interface SalesforceRuntime extends SalesforceStoredConfig {
  kind: 'salesforce';
  id: string;
  workspaceId: string;
  name: string;
  source: string;
  baseUrl: string;
  /** renewed in place when a refresh succeeds */
  auth: SalesforceAuth;
}
