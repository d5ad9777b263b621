/**
 * Deterministic synthetic CRM: reps, customers, orders and interactions, generated customer by customer
 * from one seeded random stream so memory stays flat at any size.
 *
 * Purchases follow the BG/NBD story (Fader, Hardie & Lee 2005): each buyer has a purchase rate λ ~ Gamma(r, α)
 * per day and, after every repeat purchase, drops out for good with probability p ~ Beta(a, b). Order values
 * follow Gamma-Gamma (value ~ Gamma(p, ν), ν ~ Gamma(q, v)). Seasonality enters by thinning a homogeneous
 * Poisson process against a day-by-day intensity profile. See docs/generator.md for the full list.
 */
import {
  type CrmBatch,
  type CrmRows,
  type CustomerKind,
  type CustomerRow,
  type GeneratorOptions,
  type GeneratorSummary,
  type InteractionKind,
  type InteractionRow,
  type LookAlikeKind,
  type OrderRow,
  type OrderStatus,
  type Personality,
  type Region,
  type RepLocale,
  type RepRow,
} from './crm-rows';
import {
  type Identity,
  IdentityFactory,
  MAX_CUSTOMERS,
  UTC_OFFSET_HOURS,
  emailVariant,
  formatPhone,
  nameVariant,
  PHONE_STYLES,
  phoneVariant,
} from './identity';
import { DAY_MS, type SeasonalProfile, seasonalProfile } from './seasonality';
import { SeededRandom, Weighted } from './seeded-random';
import {
  CHINESE_GIVEN_NAMES,
  CHINESE_SURNAMES,
  ENGLISH_FIRST_NAMES,
  ENGLISH_LAST_NAMES,
  NOTES_EN,
  NOTES_ZH,
} from './word-lists';

export const DEFAULT_AS_OF_ISO = '2026-11-24T00:00:00.000Z';
export const DEFAULT_HISTORY_DAYS = 730;
export const DEFAULT_CURRENCY = 'CNY';
export const DEFAULT_TEAMS = 5;
export const DEFAULT_REPS_PER_TEAM = 8;

/**
 * The generator's true parameters, exported so that model fits can be checked against them.
 * Rates are per day; money is in major units of the configured currency.
 */
export const GENERATOR_MODEL = {
  /** λ ~ Gamma(shape r, rate alpha) purchases per day; p ~ Beta(a, b) dropout after each repeat purchase */
  bgNbd: { r: 0.16, alpha: 3.5, a: 0.5, b: 9 },
  /** business buyers' λ is multiplied by this */
  businessRateMultiplier: 1.5,
  /** λ is capped here (the busiest wholesale accounts) */
  maxPurchasesPerDay: 2,
  /** stable personalities drop out less: p is multiplied by this */
  stableDropoutMultiplier: 0.7,
  /** order value ~ Gamma(p, ν), ν ~ Gamma(q, v); mean order value p·v / (q − 1) */
  gammaGamma: {
    individual: { p: 3, q: 3, v: 213 },
    business: { p: 3, q: 3, v: 2800 },
  },
  leaderSpendMultiplier: 1.2,
  businessShare: 0.3,
  /** share of all customer rows generated as prospects (never buy) */
  prospectShare: 0.125,
  /** share of all customer rows that are near-duplicates of an earlier customer */
  duplicateShare: 0.02,
  /** share of duplicates that carry 1–3 orders of their own */
  duplicateWithOrdersShare: 0.3,
  /** buyers already customers when the window opens: first in-window order in its first 30 days */
  existingBaseShare: 0.25,
  /** after a purchase, chance of a second order the same day (not a BG/NBD transaction of its own) */
  sameDayExtraOrder: 0.04,
  refundRate: 0.03,
  cancelRate: 0.02,
  unownedShare: 0.08,
  complaintAfterRefund: 0.35,
  surveyAfterPaidOrder: 0.05,
  /** personality tags; the rest (30%) untagged */
  personalities: { rational: 0.25, emotional: 0.2, leader: 0.12, stable: 0.13 },
  /** interactions per customer-year */
  interactionRates: {
    callBusiness: 3,
    callIndividual: 1,
    email: 2,
    visitBusiness: 0.8,
    baselineComplaint: 0.05,
  },
  /** chance a customer is included in one campaign send */
  campaignInclusion: { individual: 0.12, business: 0.08 },
} as const;

const PERSONALITY = new Weighted<Personality | ''>([
  ['', 0.3],
  ['rational', GENERATOR_MODEL.personalities.rational],
  ['emotional', GENERATOR_MODEL.personalities.emotional],
  ['leader', GENERATOR_MODEL.personalities.leader],
  ['stable', GENERATOR_MODEL.personalities.stable],
]);

/** Per-personality refund propensity, rescaled below so the overall refund share stays at refundRate. */
const REFUND_MULTIPLIER: Readonly<Record<Personality | '', number>> = {
  '': 1,
  rational: 0.85,
  emotional: 1.5,
  leader: 1,
  stable: 1,
};
const MEAN_REFUND_MULTIPLIER =
  0.3 * REFUND_MULTIPLIER[''] +
  Object.entries(GENERATOR_MODEL.personalities).reduce(
    (sum, [tag, share]) => sum + share * REFUND_MULTIPLIER[tag as Personality],
    0,
  );

const OUTCOMES: { readonly [K in InteractionKind]: Weighted<string> } = {
  call: new Weighted([
    ['reached', 0.45],
    ['no_answer', 0.33],
    ['voicemail', 0.1],
    ['callback_requested', 0.06],
    ['not_interested', 0.06],
  ]),
  email: new Weighted([
    ['sent', 0.35],
    ['opened', 0.35],
    ['clicked', 0.14],
    ['replied', 0.09],
    ['bounced', 0.07],
  ]),
  visit: new Weighted([
    ['completed', 0.75],
    ['rescheduled', 0.15],
    ['cancelled', 0.1],
  ]),
  campaign: new Weighted([
    ['delivered', 0.5],
    ['opened', 0.3],
    ['clicked', 0.12],
    ['converted', 0.05],
    ['unsubscribed', 0.03],
  ]),
  complaint: new Weighted([
    ['resolved', 0.6],
    ['open', 0.25],
    ['escalated', 0.15],
  ]),
  survey: new Weighted([['responded', 1]]),
};

/** Regions each team covers, by team position; team 5 is the English-speaking international desk. */
const TEAM_REGIONS: readonly Region[] = ['East China', 'North China', 'South China', 'West', 'International'];

interface ResolvedOptions {
  customers: number;
  seed: number;
  asOfMs: number;
  startMs: number;
  historyDays: number;
  currency: string;
  teams: number;
  repsPerTeam: number;
  lookAlikeShare: number;
}

function positiveInteger(name: string, value: number, max: number, min = 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function resolveOptions(options: GeneratorOptions): ResolvedOptions {
  const asOf = options.asOf ?? new Date(DEFAULT_AS_OF_ISO);
  const asOfMs = asOf.getTime();
  if (!Number.isFinite(asOfMs)) throw new RangeError('asOf must be a valid date');
  if (asOfMs % 1000 !== 0) throw new RangeError('asOf must be a whole second');
  const historyDays = positiveInteger('historyDays', options.historyDays ?? DEFAULT_HISTORY_DAYS, 36_500);
  const currency = options.currency ?? DEFAULT_CURRENCY;
  if (!/^[A-Z]{3}$/.test(currency))
    throw new RangeError(`currency must be an ISO 4217 code, got '${currency}'`);
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`seed must be a safe integer, got ${options.seed}`);
  return {
    customers: positiveInteger('customers', options.customers, MAX_CUSTOMERS, 0),
    seed: options.seed,
    asOfMs,
    startMs: asOfMs - historyDays * DAY_MS,
    historyDays,
    currency,
    teams: positiveInteger('teams', options.teams ?? DEFAULT_TEAMS, 99),
    repsPerTeam: positiveInteger('repsPerTeam', options.repsPerTeam ?? DEFAULT_REPS_PER_TEAM, 999),
    lookAlikeShare: share('lookAlikeShare', options.lookAlikeShare ?? 0, 0.5),
  };
}

function share(name: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be a number in [0, ${max}], got ${value}`);
  }
  return value;
}

/** A person's surname with a title, as a rep writes a name they did not catch in full. */
function titled(r: SeededRandom, name: string): string {
  if (/^[\u3400-\u9fff]{2,4}$/.test(name)) return `${name.slice(0, 1)}${r.pick(['先生', '女士'])}`;
  const words = name.trim().split(/\s+/);
  return `${r.pick(['Mr', 'Ms'])} ${words[words.length - 1]}`;
}

/** Members of one `info@` cluster: more than the dedupe's shared-key limit (5), so the address identifies no one. */
const INFO_CLUSTER_SIZE = 8;

const LOOK_ALIKE_KINDS = new Weighted<LookAlikeKind>([
  ['family-phone', 0.3],
  ['family-email', 0.25],
  ['switchboard', 0.25],
  ['shared-info', 0.1],
  ['namesake-phone', 0.1],
]);

/** Names compared the way a careful reader would: case, spacing and word order do not count. */
function sameWrittenName(a: string, b: string): boolean {
  const key = (x: string) =>
    x
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean)
      .sort()
      .join(' ');
  const han = (x: string) => x.replace(/[^\u3400-\u9fff]/g, '');
  return key(a) === key(b) || (han(a) !== '' && han(a) === han(b));
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
/** 'YYYY-MM-DDT' by day number since the epoch; Date#toISOString dominated the profile at 10M rows */
const datePrefixCache = new Map<number, string>();

/** ISO 8601 UTC with second precision: 2026-11-23T08:15:42Z (ms must be a whole second) */
export function isoSeconds(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = datePrefixCache.get(day);
  if (prefix === undefined) {
    if (datePrefixCache.size > 100_000) datePrefixCache.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    datePrefixCache.set(day, prefix);
  }
  let seconds = Math.floor((ms - day * DAY_MS) / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}Z`;
}

function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

interface Campaign {
  ms: number;
  nameZh: string;
  nameEn: string;
}

/** What the generator remembers of a recent original customer, to duplicate it later. */
interface Original {
  externalId: string;
  identity: Identity;
  createdMs: number;
  owner: string;
  personality: Personality | '';
  spendRate: number;
}

interface OrderDraft {
  ms: number;
  amount: string;
  status: OrderStatus;
}

interface InteractionDraft {
  ms: number;
  kind: InteractionKind;
  outcome: string;
  score: string;
  note: string;
}

/** Recent originals kept for duplication: bounded, so memory does not grow with the customer count. */
const DUPLICATE_POOL_SIZE = 4096;

class GeneratorRun {
  readonly reps: RepRow[];
  private readonly random: SeededRandom;
  private readonly identities: IdentityFactory;
  private readonly season: { readonly [K in CustomerKind]: SeasonalProfile };
  private readonly campaigns: Campaign[];
  private readonly ownersByRegion = new Map<Region, string[]>();
  private readonly allOwners: string[] = [];
  private readonly pool: Original[] = [];
  private poolNext = 0;
  private orderSeq = 0;
  private interactionSeq = 0;

  constructor(private readonly o: ResolvedOptions) {
    this.random = new SeededRandom(o.seed);
    this.identities = new IdentityFactory(this.random, o.customers);
    this.season = {
      individual: seasonalProfile(o.startMs, o.historyDays, 'individual'),
      business: seasonalProfile(o.startMs, o.historyDays, 'business'),
    };
    this.campaigns = this.campaignCalendar();
    this.reps = this.buildReps();
  }

  // ---- reps -------------------------------------------------------------------------------------

  private buildReps(): RepRow[] {
    const r = this.random;
    const rows: RepRow[] = [];
    const usedEmails = new Set<string>();
    let repNumber = 0;
    const person = (locale: RepLocale): { name: string; email: string } => {
      let name: string;
      let local: string;
      if (locale === 'zh-CN') {
        const [familyZh, family] = r.pick(CHINESE_SURNAMES);
        const [givenZh, given] = r.pick(CHINESE_GIVEN_NAMES);
        name = familyZh + givenZh;
        local = `${given}.${family}`.toLowerCase();
      } else {
        const given = r.pick(ENGLISH_FIRST_NAMES);
        const family = r.pick(ENGLISH_LAST_NAMES);
        name = `${given} ${family}`;
        local = `${given}.${family}`.toLowerCase();
      }
      let email = `${local}@sales.example.com`;
      for (let n = 2; usedEmails.has(email); n += 1) email = `${local}${n}@sales.example.com`;
      usedEmails.add(email);
      return { name, email };
    };
    for (let t = 0; t < this.o.teams; t += 1) {
      const team = `team-${t + 1}`;
      const region = TEAM_REGIONS[t % TEAM_REGIONS.length];
      const teamLocale: RepLocale = region === 'International' ? 'en' : 'zh-CN';
      const managerId = `mgr-${String(t + 1).padStart(2, '0')}`;
      const manager = person(teamLocale);
      rows.push({
        external_id: managerId,
        name: manager.name,
        email: manager.email,
        role: 'manager',
        team,
        manager_external_id: '',
        daily_capacity: String(r.int(5, 12)),
        locale: teamLocale,
      });
      const owners = this.ownersByRegion.get(region) ?? [];
      for (let k = 0; k < this.o.repsPerTeam; k += 1) {
        repNumber += 1;
        const locale: RepLocale = teamLocale === 'zh-CN' && r.chance(0.1) ? 'en' : teamLocale;
        const rep = person(locale);
        const id = `rep-${String(repNumber).padStart(3, '0')}`;
        rows.push({
          external_id: id,
          name: rep.name,
          email: rep.email,
          role: 'rep',
          team,
          manager_external_id: managerId,
          daily_capacity: String(r.int(15, 40)),
          locale,
        });
        owners.push(id);
        this.allOwners.push(id);
      }
      this.ownersByRegion.set(region, owners);
    }
    return rows;
  }

  private pickOwner(region: Region): string {
    const r = this.random;
    if (r.chance(GENERATOR_MODEL.unownedShare)) return '';
    return r.pick(this.ownersByRegion.get(region) ?? this.allOwners);
  }

  // ---- calendar ---------------------------------------------------------------------------------

  private campaignCalendar(): Campaign[] {
    const r = this.random;
    const campaigns: Campaign[] = [];
    const sendHourUtc = 2 * 3_600_000; // 10:00 Beijing time
    for (let d = 0; d < this.o.historyDays; d += 1) {
      const dayMs = this.o.startMs + d * DAY_MS;
      const date = new Date(dayMs);
      const year = date.getUTCFullYear();
      const month = date.getUTCMonth();
      const day = date.getUTCDate();
      const ms = wholeSecond(dayMs + sendHourUtc + r.int(0, 3_599) * 1000);
      const ym = `${year}-${String(month + 1).padStart(2, '0')}`;
      if (day === 8) campaigns.push({ ms, nameZh: `会员月刊 ${ym}`, nameEn: `Newsletter ${ym}` });
      if (month === 10 && (day === 1 || day === 10)) {
        campaigns.push({ ms, nameZh: `双11大促 ${year}`, nameEn: `Singles' Day ${year}` });
      }
      if (month === 11 && day === 10)
        campaigns.push({ ms, nameZh: `双12 ${year}`, nameEn: `Double 12 ${year}` });
      if (month === 5 && day === 10)
        campaigns.push({ ms, nameZh: `618 年中大促 ${year}`, nameEn: `618 sale ${year}` });
      if (month === 0 && day === 15) {
        campaigns.push({ ms, nameZh: `年货节 ${year}`, nameEn: `New Year gifts ${year}` });
      }
    }
    return campaigns;
  }

  // ---- timing helpers ---------------------------------------------------------------------------

  /** seconds after UTC midnight at which someone in `country` acts, from a local diurnal pattern */
  private secondOfDay(kind: CustomerKind, country: Identity['country']): number {
    const r = this.random;
    let localHour: number;
    if (kind === 'business') localHour = clamp(r.normal(11.5, 2.3), 7.5, 20);
    else localHour = r.chance(0.55) ? clamp(r.normal(13, 3), 6, 23.9) : clamp(r.normal(20.5, 1.5), 6, 23.9);
    const utcHour = (((localHour - UTC_OFFSET_HOURS[country]) % 24) + 24) % 24;
    return Math.floor(utcHour * 3600);
  }

  /** a seasonally weighted day (fractional, from window start) in [0, span) */
  private seasonalDay(profile: SeasonalProfile, span: number): number {
    const r = this.random;
    for (let tries = 0; tries < 64; tries += 1) {
      const day = r.between(0, span);
      if (r.uniform() * profile.max < profile.daily[Math.floor(day)]) return day;
    }
    return r.between(0, span);
  }

  /** a business-hours instant between fromMs and asOf */
  private workTime(fromMs: number, kind: CustomerKind, country: Identity['country']): number {
    const r = this.random;
    const raw = r.between(fromMs, this.o.asOfMs);
    const dayIndex = Math.floor((raw - this.o.startMs) / DAY_MS);
    const ms = this.o.startMs + dayIndex * DAY_MS + this.secondOfDay(kind, country) * 1000;
    return ms >= fromMs && ms < this.o.asOfMs ? ms : wholeSecond(raw);
  }

  // ---- customers --------------------------------------------------------------------------------

  customer(index: number): CrmBatch {
    const r = this.random;
    const externalId = `cus-${String(index + 1).padStart(7, '0')}`;
    if (this.o.lookAlikeShare > 0 && this.pool.length > 0 && r.chance(this.o.lookAlikeShare)) {
      return this.lookAlike(externalId, index);
    }
    if (this.pool.length > 0 && r.chance(GENERATOR_MODEL.duplicateShare)) return this.duplicate(externalId);

    const kind: CustomerKind = r.chance(GENERATOR_MODEL.businessShare) ? 'business' : 'individual';
    const identity = this.identities.create(index, kind);
    return this.original(externalId, identity, null);
  }

  /** A customer of its own (an original, or a look-alike: another person sharing a contact key). */
  private original(
    externalId: string,
    identity: Identity,
    lookAlike: { kind: LookAlikeKind; of: string } | null,
  ): CrmBatch {
    const r = this.random;
    const kind = identity.kind;
    const personality = PERSONALITY.sample(r);
    const owner = this.pickOwner(identity.region);
    const prospect = r.chance(GENERATOR_MODEL.prospectShare / (1 - GENERATOR_MODEL.duplicateShare));
    const gg = GENERATOR_MODEL.gammaGamma[kind];
    const spendRate = r.gamma(gg.q, gg.v);

    let createdMs: number;
    let orders: OrderDraft[] = [];
    if (prospect) {
      let ageDays = r.exponential(1 / 240);
      if (ageDays >= this.o.historyDays) ageDays = r.between(0, this.o.historyDays);
      createdMs = wholeSecond(this.o.asOfMs - ageDays * DAY_MS - 60_000);
    } else {
      const { times, existing } = this.purchaseTimes(kind, personality, identity.country);
      createdMs = this.createdBefore(times[0], kind, existing);
      orders = this.orderDrafts(times, kind, personality, spendRate);
    }

    const customer: CustomerRow = {
      external_id: externalId,
      name: identity.name,
      kind,
      email: identity.email,
      phone: identity.phone ? formatPhone(identity.phone, identity.phoneStyle) : '',
      region: identity.region,
      country: identity.country,
      industry: identity.industry,
      owner_rep: owner,
      created_at: isoSeconds(createdMs),
      personality,
    };
    if (lookAlike) {
      // not duplicated later: a look-alike's duplicate would share keys with two customers at once
      const batch = this.assemble(customer, identity, createdMs, orders, personality, prospect, null, 1);
      return { ...batch, lookAlike } as CrmBatch;
    }
    const original: Original = { externalId, identity, createdMs, owner, personality, spendRate };
    if (this.pool.length < DUPLICATE_POOL_SIZE) this.pool.push(original);
    else this.pool[this.poolNext] = original;
    this.poolNext = (this.poolNext + 1) % DUPLICATE_POOL_SIZE;

    return this.assemble(customer, identity, createdMs, orders, personality, prospect, null, 1);
  }

  private infoCluster = { n: 0, members: 0, first: '' };
  /** names of the customers sharing a key with an original, by its external id (look-alikes only) */
  private readonly namesOnKey = new Map<string, string[]>();

  /**
   * Another customer that shares a contact key with an earlier one without being it: a family member sharing a
   * phone or an email (often the same surname), a company on the same switchboard, a company writing `info@` of
   * an address shared by a cluster of INFO_CLUSTER_SIZE.
   */
  private lookAlike(externalId: string, index: number): CrmBatch {
    const r = this.random;
    let kind = LOOK_ALIKE_KINDS.sample(r);
    let of: Original | undefined;
    for (let tries = 0; kind !== 'shared-info' && !of && tries < 20; tries += 1) {
      const o = this.pool[r.int(0, this.pool.length - 1)];
      const wanted = kind === 'switchboard' ? 'business' : 'individual';
      if (o.identity.kind !== wanted) continue;
      if (kind === 'family-email' ? o.identity.email === '' : o.identity.phone === null) continue;
      if (kind === 'namesake-phone' && o.identity.email === '') continue;
      of = o;
    }
    if (!of) kind = 'shared-info';
    if (of && kind === 'namesake-phone') return this.namesake(externalId, index, of);
    const customerKind: CustomerKind =
      kind === 'family-phone' || kind === 'family-email' ? 'individual' : 'business';
    // names already on this key (the original's, earlier look-alikes'): a look-alike is another person or company
    const taken = of ? (this.namesOnKey.get(of.externalId) ?? [of.identity.name]) : [];
    const clash = (name: string) => taken.some((t) => sameWrittenName(name, t));
    let identity = this.identities.create(index, customerKind);
    for (let tries = 0; of && clash(identity.name) && tries < 10; tries += 1) {
      identity = this.identities.create(index, customerKind);
    }
    if (of && customerKind === 'individual' && /^[\u3400-\u9fff]{2,3}$/.test(of.identity.name)) {
      // a family: the same surname, another given name
      const surname = of.identity.name.slice(0, 1);
      const free = CHINESE_GIVEN_NAMES.filter(([zh]) => !clash(surname + zh));
      if (free.length > 0) identity = { ...identity, name: surname + r.pick(free)[0], latinName: undefined };
    }
    if (of && clash(identity.name)) kind = 'shared-info';
    if (of && kind !== 'shared-info') this.namesOnKey.set(of.externalId, [...taken, identity.name]);
    if (kind === 'shared-info' || !of) {
      if (this.infoCluster.members === INFO_CLUSTER_SIZE)
        this.infoCluster = { n: this.infoCluster.n + 1, members: 0, first: '' };
      if (this.infoCluster.members === 0) this.infoCluster.first = externalId;
      this.infoCluster.members += 1;
      const email = `info@shared-${this.infoCluster.n + 1}.example.com`;
      return this.original(
        externalId,
        { ...identity, email },
        { kind: 'shared-info', of: this.infoCluster.first },
      );
    }
    const shared: Identity =
      kind === 'family-email'
        ? { ...identity, email: of.identity.email }
        : { ...identity, phone: of.identity.phone, phoneStyle: r.pick(PHONE_STYLES) };
    return this.original(externalId, shared, { kind, of: of.externalId });
  }

  /**
   * Another person of the very same name on the same phone, with an email of their own (a father and son both
   * called 王伟 on the family landline): name and phone agree, the emails say two people.
   */
  private namesake(externalId: string, index: number, of: Original): CrmBatch {
    const identity = this.identities.create(index, 'individual');
    const email =
      identity.email !== '' && identity.email !== of.identity.email
        ? identity.email
        : `namesake${index}@mail.example.net`;
    return this.original(
      externalId,
      {
        ...identity,
        name: of.identity.name,
        latinName: of.identity.latinName,
        email,
        phone: of.identity.phone,
        phoneStyle: this.random.pick(PHONE_STYLES),
      },
      { kind: 'namesake-phone', of: of.externalId },
    );
  }

  /** the same person again under a new external id, contact details written differently */
  private duplicate(externalId: string): CrmBatch {
    const r = this.random;
    const original = this.pool[r.int(0, this.pool.length - 1)];
    const id = original.identity;
    let keepEmail = id.email !== '';
    let keepPhone = id.phone !== null;
    if (keepEmail && keepPhone) {
      const u = r.uniform();
      keepEmail = u < 0.85;
      keepPhone = u < 0.7 || u >= 0.85;
    }
    // With look-alikes on, duplicates are harder too: Chinese names in pinyin, or only a surname and a title
    // ("李女士", "Mr Smith") — a name that cannot corroborate the shared key, so the pair goes to review.
    const hard = this.o.lookAlikeShare > 0 ? r.uniform() : 1;
    const name =
      hard < 0.05 && id.kind === 'individual'
        ? titled(r, id.name)
        : hard < 0.35 && id.latinName
          ? nameVariant(r, id.latinName)
          : nameVariant(r, id.name);
    const identity: Identity = {
      ...id,
      name,
      email: keepEmail ? emailVariant(r, id.email) : '',
      phone: keepPhone ? id.phone : null,
    };
    const phone = keepPhone && id.phone ? phoneVariant(r, id.phone, id.phoneStyle) : '';
    const u = r.uniform();
    const owner = u < 0.5 ? original.owner : u < 0.8 ? this.pickOwner(id.region) : '';
    const personality = r.chance(0.5) ? original.personality : '';
    const createdMs = wholeSecond(r.between(original.createdMs + 1000, this.o.asOfMs - 60_000));

    let orders: OrderDraft[] = [];
    const firstPossible = Math.max(createdMs, this.o.startMs) + 60_000;
    if (r.chance(GENERATOR_MODEL.duplicateWithOrdersShare) && firstPossible < this.o.asOfMs) {
      const count = r.int(1, 3);
      const times: number[] = [];
      for (let k = 0; k < count; k += 1) times.push(wholeSecond(r.between(firstPossible, this.o.asOfMs)));
      times.sort((x, y) => x - y);
      orders = times.map((ms) => ({
        ms,
        amount: this.amount(id.kind, personality, original.spendRate),
        status: this.status(personality),
      }));
    }
    const customer: CustomerRow = {
      external_id: externalId,
      name: identity.name,
      kind: id.kind,
      email: identity.email,
      phone,
      region: id.region,
      country: id.country,
      industry: id.industry,
      owner_rep: owner,
      created_at: isoSeconds(createdMs),
      personality,
    };
    return this.assemble(customer, identity, createdMs, orders, personality, false, original.externalId, 0.5);
  }

  // ---- orders -----------------------------------------------------------------------------------

  /**
   * Order instants (ms, ascending) of one buyer: first purchase, then a thinned Poisson process with dropout.
   * `existing` marks buyers who were customers before the window opened.
   */
  private purchaseTimes(
    kind: CustomerKind,
    personality: Personality | '',
    country: Identity['country'],
  ): { times: number[]; existing: boolean } {
    const r = this.random;
    const m = GENERATOR_MODEL;
    const profile = this.season[kind];
    const horizon = this.o.historyDays;
    const lambda = Math.min(
      r.gamma(m.bgNbd.r, m.bgNbd.alpha) * (kind === 'business' ? m.businessRateMultiplier : 1),
      m.maxPurchasesPerDay,
    );
    const dropout = r.beta(m.bgNbd.a, m.bgNbd.b) * (personality === 'stable' ? m.stableDropoutMultiplier : 1);
    const existing = r.chance(m.existingBaseShare);
    const first = this.seasonalDay(profile, existing ? Math.min(30, horizon) : horizon);

    const days: number[] = [Math.floor(first)];
    const envelope = lambda * profile.max;
    let t = first;
    for (;;) {
      t += r.exponential(envelope);
      if (!(t < horizon)) break; // also ends λ = 0 (infinite wait)
      const day = Math.floor(t);
      if (r.uniform() * profile.max >= profile.daily[day]) continue; // thinned: off-season candidate
      days.push(day);
      if (r.chance(m.sameDayExtraOrder)) days.push(day);
      if (r.chance(dropout)) break;
    }
    const times = days.map((day) => this.o.startMs + day * DAY_MS + this.secondOfDay(kind, country) * 1000);
    times.sort((x, y) => x - y);
    return { times, existing };
  }

  private createdBefore(firstOrderMs: number, kind: CustomerKind, existing: boolean): number {
    const r = this.random;
    let created: number;
    if (existing) {
      created = Math.min(firstOrderMs - 60_000, this.o.startMs - r.between(0, 3 * 365) * DAY_MS);
    } else if (kind === 'individual') {
      const lagMs = r.chance(0.45) ? r.between(60, 7_200) * 1000 : 60_000 + r.exponential(1 / 14) * DAY_MS;
      created = firstOrderMs - lagMs;
    } else {
      created = firstOrderMs - 3_600_000 - r.exponential(1 / 45) * DAY_MS;
    }
    return wholeSecond(created);
  }

  private amount(kind: CustomerKind, personality: Personality | '', spendRate: number): string {
    const r = this.random;
    let value = r.gamma(GENERATOR_MODEL.gammaGamma[kind].p, spendRate);
    if (personality === 'leader') value *= GENERATOR_MODEL.leaderSpendMultiplier;
    // price points: consumers often pay x.x0, businesses whole amounts
    if (kind === 'individual' && r.chance(0.5)) value = Math.round(value * 10) / 10;
    else if (kind === 'business' && r.chance(0.4)) value = Math.round(value);
    return Math.max(1, Math.round(value * 100) / 100).toFixed(2);
  }

  private status(personality: Personality | ''): OrderStatus {
    const u = this.random.uniform();
    const refund = (GENERATOR_MODEL.refundRate * REFUND_MULTIPLIER[personality]) / MEAN_REFUND_MULTIPLIER;
    if (u < refund) return 'refunded';
    if (u < refund + GENERATOR_MODEL.cancelRate) return 'cancelled';
    return 'paid';
  }

  private orderDrafts(times: number[], kind: CustomerKind, personality: Personality | '', spendRate: number) {
    return times.map<OrderDraft>((ms) => ({
      ms,
      amount: this.amount(kind, personality, spendRate),
      status: this.status(personality),
    }));
  }

  // ---- interactions -----------------------------------------------------------------------------

  private note(
    kind: 'call' | 'visit' | 'complaint' | 'email',
    country: Identity['country'],
    share: number,
  ): string {
    const r = this.random;
    if (!r.chance(share)) return '';
    const chinese = country === 'CN' ? r.chance(0.8) : false;
    return r.pick((chinese ? NOTES_ZH : NOTES_EN)[kind]);
  }

  private interactions(
    customer: CustomerRow,
    identity: Identity,
    createdMs: number,
    orders: readonly OrderDraft[],
    personality: Personality | '',
    prospect: boolean,
    rateMultiplier: number,
  ): InteractionDraft[] {
    const r = this.random;
    const m = GENERATOR_MODEL;
    const { asOfMs } = this.o;
    const kind = identity.kind;
    const country = identity.country;
    const fromMs = Math.max(createdMs, this.o.startMs);
    const years = (asOfMs - fromMs) / (365 * DAY_MS);
    const out: InteractionDraft[] = [];
    if (years <= 0) return out;
    const owned = customer.owner_rep !== '';
    const push = (ms: number, type: InteractionKind, note: string, score = ''): void => {
      out.push({ ms, kind: type, outcome: OUTCOMES[type].sample(r), score, note });
    };

    if (owned) {
      const rate =
        (kind === 'business' ? m.interactionRates.callBusiness : m.interactionRates.callIndividual) *
        (prospect ? 1.5 : 1);
      for (let n = r.poisson(years * rate * rateMultiplier); n > 0; n -= 1) {
        push(this.workTime(fromMs, kind, country), 'call', this.note('call', country, 0.35));
      }
      if (orders.length > 0 && r.chance(0.3)) {
        const ms = wholeSecond(orders[0].ms + r.between(1, 3) * DAY_MS);
        if (ms < asOfMs) push(ms, 'call', this.note('call', country, 0.35));
      }
      if (kind === 'business') {
        for (let n = r.poisson(years * m.interactionRates.visitBusiness * rateMultiplier); n > 0; n -= 1) {
          push(this.workTime(fromMs, kind, country), 'visit', this.note('visit', country, 0.7));
        }
      }
    }
    if (customer.email !== '') {
      for (let n = r.poisson(years * m.interactionRates.email * rateMultiplier); n > 0; n -= 1) {
        push(this.workTime(fromMs, kind, country), 'email', this.note('email', country, 0.15));
      }
    }
    const inclusion = m.campaignInclusion[kind] * rateMultiplier;
    const chineseCampaign = country === 'CN';
    for (const campaign of this.campaigns) {
      if (campaign.ms < fromMs || !r.chance(inclusion)) continue;
      push(campaign.ms, 'campaign', chineseCampaign ? campaign.nameZh : campaign.nameEn);
    }

    let satisfaction = -1;
    let lastRefundMs = -Infinity;
    const complaintChance = m.complaintAfterRefund * (personality === 'emotional' ? 1.4 : 1);
    for (const order of orders) {
      if (order.status === 'refunded') {
        lastRefundMs = order.ms;
        if (r.chance(complaintChance)) {
          const ms = wholeSecond(order.ms + r.between(1, 15) * DAY_MS);
          if (ms < asOfMs) push(ms, 'complaint', this.note('complaint', country, 0.9));
        }
      } else if (order.status === 'paid' && r.chance(m.surveyAfterPaidOrder)) {
        const ms = wholeSecond(order.ms + r.between(2, 10) * DAY_MS);
        if (ms >= asOfMs) continue;
        if (satisfaction < 0) satisfaction = 10 * r.beta(5, 2);
        // a refund in the last 60 days drags the score down; older ones are forgiven
        const penalty = order.ms - lastRefundMs < 60 * DAY_MS ? 2.5 : 0;
        const score = Math.round(clamp(r.normal(satisfaction - penalty, 1.2), 0, 10));
        push(ms, 'survey', '', String(score));
      }
    }
    if (orders.length > 0) {
      for (let n = r.poisson(years * m.interactionRates.baselineComplaint); n > 0; n -= 1) {
        push(this.workTime(fromMs, kind, country), 'complaint', this.note('complaint', country, 0.9));
      }
    }
    out.sort((x, y) => x.ms - y.ms);
    return out;
  }

  // ---- assembly ---------------------------------------------------------------------------------

  private assemble(
    customer: CustomerRow,
    identity: Identity,
    createdMs: number,
    orders: OrderDraft[],
    personality: Personality | '',
    prospect: boolean,
    duplicateOf: string | null,
    interactionRate: number,
  ): CrmBatch {
    const customerId = customer.external_id;
    const currency = this.o.currency;
    const orderRows = orders.map<OrderRow>((draft) => {
      this.orderSeq += 1;
      return {
        external_id: `ord-${String(this.orderSeq).padStart(8, '0')}`,
        customer_external_id: customerId,
        placed_at: isoSeconds(draft.ms),
        amount: draft.amount,
        currency,
        status: draft.status,
      };
    });
    const interactionRows = this.interactions(
      customer,
      identity,
      createdMs,
      orders,
      personality,
      prospect,
      interactionRate,
    ).map<InteractionRow>((draft) => {
      this.interactionSeq += 1;
      return {
        external_id: `int-${String(this.interactionSeq).padStart(8, '0')}`,
        customer_external_id: customerId,
        occurred_at: isoSeconds(draft.ms),
        kind: draft.kind,
        outcome: draft.outcome,
        score: draft.score,
        note: draft.note,
      };
    });
    return {
      type: 'customer',
      customer,
      orders: orderRows,
      interactions: interactionRows,
      prospect,
      duplicateOf,
    };
  }
}

/** Running totals over a stream of batches. */
export class SummaryCounter {
  private readonly summary: GeneratorSummary;

  constructor(options: GeneratorOptions) {
    const o = resolveOptions(options);
    this.summary = {
      seed: o.seed,
      asOf: new Date(o.asOfMs).toISOString(),
      historyDays: o.historyDays,
      currency: o.currency,
      rows: { reps: 0, customers: 0, orders: 0, interactions: 0 },
      customersByKind: { individual: 0, business: 0 },
      ordersByStatus: { paid: 0, refunded: 0, cancelled: 0 },
      interactionsByKind: { call: 0, email: 0, visit: 0, campaign: 0, complaint: 0, survey: 0 },
      prospects: 0,
      duplicates: 0,
    };
  }

  add(batch: CrmBatch): void {
    const s = this.summary;
    if (batch.type === 'reps') {
      s.rows.reps += batch.reps.length;
      return;
    }
    s.rows.customers += 1;
    s.rows.orders += batch.orders.length;
    s.rows.interactions += batch.interactions.length;
    s.customersByKind[batch.customer.kind] += 1;
    for (const order of batch.orders) s.ordersByStatus[order.status] += 1;
    for (const interaction of batch.interactions) s.interactionsByKind[interaction.kind] += 1;
    if (batch.prospect) s.prospects += 1;
    if (batch.duplicateOf !== null) s.duplicates += 1;
  }

  result(): GeneratorSummary {
    return structuredClone(this.summary);
  }
}

/**
 * The synchronous stream underneath every entry point: one 'reps' batch, then one batch per customer
 * (customer row, its orders, its interactions). Nothing is retained between customers except a bounded
 * pool of recent originals to duplicate.
 */
export function* iterateCrm(options: GeneratorOptions): Generator<CrmBatch, void, undefined> {
  const resolved = resolveOptions(options);
  const run = new GeneratorRun(resolved);
  yield { type: 'reps', reps: run.reps };
  for (let index = 0; index < resolved.customers; index += 1) yield run.customer(index);
}

/** Async view of iterateCrm, for consumers that interleave generation with I/O. */
export async function* generateCrm(options: GeneratorOptions): AsyncGenerator<CrmBatch, void, undefined> {
  for (const batch of iterateCrm(options)) yield batch;
}

/** Everything in memory: for tests and small demos (rows are CSV-ready strings). */
export function generateCrmRows(options: GeneratorOptions): CrmRows {
  const counter = new SummaryCounter(options);
  const rows: Omit<CrmRows, 'summary'> = { reps: [], customers: [], orders: [], interactions: [] };
  for (const batch of iterateCrm(options)) {
    counter.add(batch);
    if (batch.type === 'reps') {
      rows.reps.push(...batch.reps);
      continue;
    }
    rows.customers.push(batch.customer);
    for (const order of batch.orders) rows.orders.push(order);
    for (const interaction of batch.interactions) rows.interactions.push(interaction);
  }
  return { ...rows, summary: counter.result() };
}
