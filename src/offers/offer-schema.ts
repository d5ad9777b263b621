/**
 * The edge of the offer catalog: what a create or update body may hold (zod), with the field path of every
 * problem. Pure; no framework imports. The stored definition is the parsed body (an `Offer`, offer-catalog.ts);
 * offerDefects() checks it again when a list is published.
 */
import { z } from 'zod';
import { PERSONALITIES } from '../playbooks/personality';
import { LIFECYCLES, VALUE_TIERS as TIERS } from '../scoring/models/types';
import { isDay } from '../common/calendar-day';
import { type Offer } from './offer-catalog';

/** Offer codes: letters, digits, '_', '-', '.'; they appear in URLs, CLI arguments and webhook payloads. */
export const OFFER_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const text = (max: number) => z.string().trim().min(1).max(max);
const localized = (max: number) => z.object({ en: text(max), 'zh-CN': text(max) }).strict();
const minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const day = z.string().refine(isDay, { message: 'must be a calendar day YYYY-MM-DD' });
const names = (max: number) => z.array(text(max)).min(1).max(200);

const eligibility = z
  .object({
    abc: z
      .array(z.enum(['A', 'B', 'C']))
      .min(1)
      .max(3),
    clvMinMinor: minor,
    clvMaxMinor: minor,
    regions: names(100),
    countries: z
      .array(z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 alpha-2 code'))
      .min(1)
      .max(250),
    boughtCategories: names(200),
    neverBoughtCategories: names(200),
    personalities: z.array(z.enum(PERSONALITIES)).min(1).max(4),
  })
  .partial()
  .strict();

const caps = z
  .object({
    perCustomer: z
      .object({ max: z.number().int().min(1).max(1000), days: z.number().int().min(1).max(365) })
      .strict(),
    perRepPerDay: z.number().int().min(1).max(10_000),
    onePerCustomer: z.boolean(),
  })
  .partial()
  .strict();

/** Every field of an offer but its code (the code names the offer and never changes). */
export const offerTermsSchema = z
  .object({
    title: localized(200),
    description: localized(500),
    tiers: z.array(z.enum(TIERS)).min(1).max(3),
    lifecycles: z.array(z.enum(LIFECYCLES)).min(1).max(6).optional(),
    minOrderValue: minor.optional(),
    discountPct: z.number().gt(0).max(100).optional(),
    validFrom: day.optional(),
    validTo: day.optional(),
    budget: z.number().int().min(0).max(100_000_000).optional(),
    budgetMinor: minor.optional(),
    costMinor: minor.optional(),
    attributionDays: z.number().int().min(1).max(365).optional(),
    priority: z.number().int().min(-1000).max(1000),
    eligibility: eligibility.optional(),
    caps: caps.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.validFrom && o.validTo && o.validFrom > o.validTo)
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must not be before validFrom' });
    const e = o.eligibility;
    if (e?.clvMinMinor !== undefined && e.clvMaxMinor !== undefined && e.clvMinMinor > e.clvMaxMinor)
      ctx.addIssue({
        code: 'custom',
        path: ['eligibility', 'clvMaxMinor'],
        message: 'must not be below clvMinMinor',
      });
  });

export const newOfferSchema = z
  .object({ code: z.string().regex(OFFER_CODE, 'letters, digits, _ . - (at most 64)') })
  .passthrough();

export interface OfferIssue {
  path: string;
  code: string;
  message: string;
}

export type OfferParse = { ok: true; offer: Offer } | { ok: false; issues: OfferIssue[] };

const issuesOf = (issues: z.core.$ZodIssue[]): OfferIssue[] =>
  issues.map((i) => ({ path: i.path.join('.') || '(root)', code: i.code, message: i.message }));

/** A create body: the code and the terms. */
export function parseNewOffer(body: unknown): OfferParse {
  const head = newOfferSchema.safeParse(body);
  if (!head.success) return { ok: false, issues: issuesOf(head.error.issues) };
  const { code, ...terms } = head.data;
  const parsed = parseOfferTerms(code, terms);
  return parsed;
}

/** An update body (every term; the code comes from the URL). */
export function parseOfferTerms(code: string, body: unknown): OfferParse {
  const r = offerTermsSchema.safeParse(body);
  if (!r.success) return { ok: false, issues: issuesOf(r.error.issues) };
  return { ok: true, offer: { code, ...r.data } };
}
