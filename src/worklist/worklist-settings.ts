/**
 * Worklist policy of a workspace: ranking weights, contact rules, follow-ups, attribution. Stored as partial
 * overrides under `workspaces.settings.worklist`; `resolveWorklistSettings` merges them over the defaults and
 * validates the result. docs/worklists.md documents every key. Pure; no framework imports.
 *
 * Units: days, minutes, money in integer minor units of the workspace currency, shares in [0, 1].
 */
import { z } from 'zod';
import { parseClock } from './zoned-time';

const clock = z.string().refine((s) => {
  try {
    parseClock(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a clock time HH:MM');
const weekdays = z.array(z.number().int().min(1).max(7)).max(7);
const nonNeg = z.number().finite().min(0);
const share = z.number().finite().min(0).max(1);
const days = (max: number) => z.number().int().min(0).max(max);
const cap = z
  .object({ maxCalls: z.number().int().min(1).max(100), perDays: z.number().int().min(1).max(365) })
  .strict();
const hours = z.object({ start: clock, end: clock, days: weekdays }).strict();
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone');
/** A rep's own shift: clock times in `timeZone` (default: the workspace's). */
const shift = z.object({ start: clock, end: clock, timeZone: timeZone.optional() }).strict();

const schema = z
  .object({
    weights: z
      .object({
        expectedValue: nonNeg,
        valueAtRisk: nonNeg,
        growth: nonNeg,
        overdue: nonNeg,
        prospect: nonNeg,
      })
      .strict(),
    winBackFactor: share,
    lookaheadDays: z.number().int().min(1).max(3650),
    minCycleDays: z.number().finite().min(1).max(3650),
    due: z
      .object({
        startRatio: nonNeg,
        fullRatio: z.number().finite().positive(),
        fadeRatio: z.number().finite().positive(),
      })
      .strict(),
    prospects: z
      .object({
        share,
        warmDays: days(3650),
        coldFactor: share,
        valueMinor: z.number().int().min(0).nullable(),
      })
      .strict(),
    contactCaps: z.object({ core: cap, potential: cap, general: cap }).strict(),
    repHours: z.object({ start: clock, end: clock }).strict(),
    repShifts: z
      .record(z.string().min(1).max(200), shift)
      .refine((r) => Object.keys(r).length <= 5000, 'at most 5000 reps'),
    businessHours: z.object({ business: hours, individual: hours }).strict(),
    minCallWindowMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60),
    followUps: z
      .object({
        retryDelayDays: days(365),
        maxAttempts: z.number().int().min(1).max(20),
        exhaustedSnoozeDays: days(3650),
        notInterestedSnoozeDays: days(3650),
      })
      .strict(),
    attributionWindowDays: z.number().int().min(1).max(365),
    urgent: z.object({ largeOrderMinMinor: z.number().int().min(0), largeOrderFactor: nonNeg }).strict(),
    maxReasons: z.number().int().min(1).max(10),
    overfetch: z.number().int().min(1).max(20),
    snoozeEndedReasonDays: days(365),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.due.fullRatio <= s.due.startRatio) {
      ctx.addIssue({ code: 'custom', path: ['due', 'fullRatio'], message: 'must be > due.startRatio' });
    }
    if (s.due.fadeRatio < s.due.fullRatio) {
      ctx.addIssue({ code: 'custom', path: ['due', 'fadeRatio'], message: 'must be ≥ due.fullRatio' });
    }
    if (parseClock(s.repHours.end) <= parseClock(s.repHours.start)) {
      ctx.addIssue({ code: 'custom', path: ['repHours', 'end'], message: 'must be after repHours.start' });
    }
    for (const [rep, h] of Object.entries(s.repShifts)) {
      if (parseClock(h.end) <= parseClock(h.start)) {
        ctx.addIssue({ code: 'custom', path: ['repShifts', rep, 'end'], message: 'must be after start' });
      }
    }
    for (const kind of ['business', 'individual'] as const) {
      const h = s.businessHours[kind];
      if (parseClock(h.end) <= parseClock(h.start)) {
        ctx.addIssue({
          code: 'custom',
          path: ['businessHours', kind, 'end'],
          message: 'must be after start',
        });
      }
    }
  });

export type WorklistSettings = z.infer<typeof schema>;

/** Defaults; every key is documented in docs/worklists.md. */
export const DEFAULT_WORKLIST_SETTINGS: Readonly<WorklistSettings> = deepFreeze({
  weights: {
    // share of the money behind each term that a call today is taken to move
    expectedValue: 1,
    valueAtRisk: 0.25,
    growth: 0.1,
    overdue: 1,
    prospect: 0.1,
  },
  winBackFactor: 0.5,
  lookaheadDays: 30,
  minCycleDays: 7,
  due: { startRatio: 0.8, fullRatio: 1.2, fadeRatio: 3 },
  prospects: { share: 0.2, warmDays: 30, coldFactor: 0.25, valueMinor: null },
  contactCaps: {
    core: { maxCalls: 1, perDays: 3 },
    potential: { maxCalls: 1, perDays: 5 },
    general: { maxCalls: 1, perDays: 7 },
  },
  repHours: { start: '09:00', end: '18:00' },
  // per rep (by external id), a shift of their own, e.g. { "rep-sydney": { start: "08:00", end: "17:00",
  // timeZone: "Australia/Sydney" } }; reps not listed work repHours in the workspace's zone
  repShifts: {},
  businessHours: {
    business: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] },
    individual: { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] },
  },
  minCallWindowMinutes: 30,
  followUps: { retryDelayDays: 1, maxAttempts: 3, exhaustedSnoozeDays: 30, notInterestedSnoozeDays: 30 },
  attributionWindowDays: 14,
  urgent: { largeOrderMinMinor: 500_000, largeOrderFactor: 3 },
  maxReasons: 3,
  overfetch: 2,
  snoozeEndedReasonDays: 7,
});

/** Invalid `workspaces.settings.worklist`: each issue names the key path. */
export class WorklistSettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid worklist settings: ${issues.join('; ')}`);
    this.name = 'WorklistSettingsError';
  }
}

/** Defaults overlaid with `overrides` (nested objects merge key by key, arrays replace); throws WorklistSettingsError. */
export function resolveWorklistSettings(
  overrides: unknown,
  base: Readonly<WorklistSettings> = DEFAULT_WORKLIST_SETTINGS,
): WorklistSettings {
  if (overrides !== undefined && overrides !== null && !isPlainObject(overrides)) {
    throw new WorklistSettingsError(['settings.worklist must be an object']);
  }
  const merged = deepMerge(
    base as unknown as Record<string, unknown>,
    (overrides ?? {}) as Record<string, unknown>,
  );
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    throw new WorklistSettingsError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] =
      isPlainObject(v) && isPlainObject(base[k]) ? deepMerge(base[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
