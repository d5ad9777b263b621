import { HttpStatus, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { CustomerViewService } from '../customers/customer-view.service';
import { Transactions, type Tx } from '../database/transactions';
import { isPersonality, type Personality } from '../playbooks/personality';
import { OutboxService } from '../webhooks/outbox.service';
import { WriteBackService } from '../write-back/write-back.service';
import { inferTypeFromNotes } from './inference';
import { type FieldIssue, parseAnswers, parseTag } from './personality-input';
import {
  decayedConfidence,
  DIMENSIONS,
  type Dimension,
  HALF_LIFE_DAYS,
  isPersonSource,
  MIN_GUESS_CONFIDENCE,
  type Observation,
  type Profile,
  REP_TAG_CONFIDENCE,
  resolveProfile,
  type Source,
} from './personality-profile';
import {
  type ContactRow,
  type NewObservation,
  type ObservationRow,
  PersonalityRepository,
} from './personality.repository';
import {
  QUESTIONNAIRE,
  QUESTIONNAIRE_MIN_ANSWERS,
  type QuestionnaireResult,
  scoreQuestionnaire,
} from './questionnaire';

/** How many observations the profile answer lists (newest first). */
const HISTORY_SHOWN = 100;
/** How many of the customer's latest notes an inference reads. */
const NOTES_READ = 50;
/** A new inference is recorded only when it names another type or its confidence moved by more than this. */
const INFERENCE_CHANGE = 0.05;

export interface ProfileValueView {
  value: string;
  source: Source;
  confidence: number;
  recordedConfidence: number;
  actor: { kind: string; id: string | null };
  observedAt: Date;
}

export interface ObservationView {
  id: string;
  dimension: Dimension;
  value: string;
  source: Source;
  confidence: number;
  currentConfidence: number;
  actor: { kind: string; id: string | null };
  observedAt: Date;
  counts: boolean;
}

export interface PersonalityProfileView {
  customerId: string;
  asOf: Date;
  /** the effective primary type, as customers.personality holds it for talk tracks and the worklist */
  type: string | null;
  profile: Record<Dimension, ProfileValueView | null>;
  history: ObservationView[];
  rules: { halfLifeDays: Record<Source, number>; minGuessConfidence: number };
}

/** A contact person's own profile (`type`: the contact's effective type, not the customer's). */
export interface ContactPersonalityProfileView extends PersonalityProfileView {
  contact: { id: string; name: string | null; title: string | null; isPrimary: boolean };
}

export interface QuestionnaireAnswerView {
  result: {
    type: Personality | null;
    confidence: number;
    answered: number;
    scores: QuestionnaireResult['scores'];
    traits: QuestionnaireResult['traits'];
  };
  personality: PersonalityProfileView;
}

function toObservation(r: ObservationRow): Observation {
  return {
    id: r.id,
    dimension: r.dimension,
    value: r.value,
    source: r.source,
    confidence: Number(r.confidence),
    actor: { kind: r.actor_kind, id: r.actor_id },
    observedAt: r.observed_at,
  };
}

/** Who states it: the rep of a rep or manager key, else the API key itself. */
function actorOf(p: Principal): Pick<NewObservation, 'actorKind' | 'actorId'> {
  return p.repId ? { actorKind: 'rep', actorId: p.repId } : { actorKind: 'api_key', actorId: p.keyId };
}

function profileView(profile: Profile): Record<Dimension, ProfileValueView | null> {
  const out = {} as Record<Dimension, ProfileValueView | null>;
  for (const d of DIMENSIONS) {
    const v = profile[d];
    out[d] = v
      ? {
          value: v.value,
          source: v.source,
          confidence: v.confidence,
          recordedConfidence: v.recordedConfidence,
          actor: v.actor,
          observedAt: v.observedAt,
        }
      : null;
  }
  return out;
}

function invalid(issues: FieldIssue[]): AppError {
  return new AppError(
    'invalid_personality',
    `invalid personality: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    HttpStatus.UNPROCESSABLE_ENTITY,
    issues,
  );
}

/** The customer's personality profile over the API: read, a person's tag, the questionnaire. */
@Injectable()
export class PersonalityService {
  constructor(
    private readonly customers: CustomerViewService,
    private readonly observations: PersonalityRepository,
    private readonly transactions: Transactions,
    private readonly writeBack: WriteBackService,
    private readonly outbox: OutboxService,
  ) {}

  async profile(p: Principal, id: string): Promise<PersonalityProfileView> {
    const { rootId } = await this.customers.resolveVisible(p, id);
    return this.view(p.workspaceId, rootId);
  }

  /** A rep's or manager's statement (also a confirmation: the same value again, observed now). */
  async tag(p: Principal, id: string, body: unknown): Promise<PersonalityProfileView> {
    const { input, issues } = parseTag(body);
    if (!input) throw invalid(issues);
    const { rootId } = await this.customers.resolveVisible(p, id);
    const rows = repTagRows(input, p);
    await this.transactions.run((tx) => this.recordAndPass(p.workspaceId, rootId, rows, tx));
    await this.outbox.kick();
    return this.view(p.workspaceId, rootId);
  }

  /** Scores the questionnaire and records its type and dimensions (source questionnaire, with the answers). */
  async answer(p: Principal, id: string, body: unknown): Promise<QuestionnaireAnswerView> {
    const { answers, issues } = parseAnswers(body);
    if (!answers) throw invalid(issues);
    const { rootId } = await this.customers.resolveVisible(p, id);
    const { result, rows } = questionnaireRows(answers, actorOf(p));
    await this.transactions.run((tx) => this.recordAndPass(p.workspaceId, rootId, rows, tx));
    await this.outbox.kick();
    return { result: resultView(result), personality: await this.view(p.workspaceId, rootId) };
  }

  // ---- contact persons of a business customer: their own profiles, from their own observations ----

  /** Every contact person of the customer with their own profile, primary first. */
  async contactProfiles(p: Principal, id: string): Promise<ContactPersonalityProfileView[]> {
    const { rootId } = await this.customers.resolveVisible(p, id);
    const contacts = await this.observations.contacts(p.workspaceId, rootId);
    return Promise.all(contacts.map((c) => this.contactView(p.workspaceId, rootId, c)));
  }

  async contactProfile(p: Principal, id: string, contactId: string): Promise<ContactPersonalityProfileView> {
    const { rootId, contact } = await this.contactOf(p, id, contactId);
    return this.contactView(p.workspaceId, rootId, contact);
  }

  /** A rep's statement about the contact person (as `tag` about the customer; the customer's type is untouched). */
  async tagContact(
    p: Principal,
    id: string,
    contactId: string,
    body: unknown,
  ): Promise<ContactPersonalityProfileView> {
    const { input, issues } = parseTag(body);
    if (!input) throw invalid(issues);
    const { rootId, contact } = await this.contactOf(p, id, contactId);
    const rows = repTagRows(input, p);
    await this.transactions.run((tx) => this.recordForContact(p.workspaceId, contact, rows, tx));
    return this.contactView(p.workspaceId, rootId, contact);
  }

  /** The questionnaire answered about the contact person. */
  async answerContact(
    p: Principal,
    id: string,
    contactId: string,
    body: unknown,
  ): Promise<{ result: QuestionnaireAnswerView['result']; personality: ContactPersonalityProfileView }> {
    const { answers, issues } = parseAnswers(body);
    if (!answers) throw invalid(issues);
    const { rootId, contact } = await this.contactOf(p, id, contactId);
    const { result, rows } = questionnaireRows(answers, actorOf(p));
    await this.transactions.run((tx) => this.recordForContact(p.workspaceId, contact, rows, tx));
    return {
      result: resultView(result),
      personality: await this.contactView(p.workspaceId, rootId, contact),
    };
  }

  /**
   * The effective type of the primary contact of each of these customers that has one (a talk track addresses
   * that person): a person's statement or a guess that still counts, as for customers (personality-profile.ts).
   */
  async primaryContactTypes(
    workspaceId: string,
    customerIds: readonly string[],
    tx?: Tx,
  ): Promise<Map<string, Personality>> {
    const out = new Map<string, Personality>();
    if (customerIds.length === 0) return out;
    const rows = await this.observations.primaryContactObservations(workspaceId, customerIds, tx);
    const byCustomer = new Map<string, Observation[]>();
    for (const r of rows)
      byCustomer.set(r.customer_id, [...(byCustomer.get(r.customer_id) ?? []), toObservation(r)]);
    const asOf = new Date();
    for (const [customerId, observations] of byCustomer) {
      const type = resolveProfile(observations, asOf).type?.value;
      if (type && isPersonality(type)) out.set(customerId, type);
    }
    return out;
  }

  /** The visible customer and one of its contact persons (404 when the contact is not the customer's). */
  private async contactOf(p: Principal, id: string, contactId: string) {
    const { rootId } = await this.customers.resolveVisible(p, id);
    const contact = /^\d{1,18}$/.test(contactId)
      ? (await this.observations.contacts(p.workspaceId, rootId)).find((c) => c.id === contactId)
      : undefined;
    if (!contact) throw AppError.notFound('contact');
    return { rootId, contact };
  }

  /** Appends observations about the contact person, under the customer's lock (an erased customer refuses). */
  private async recordForContact(workspaceId: string, contact: ContactRow, rows: NewObservation[], tx: Tx) {
    const customer = await this.observations.lockCustomer(workspaceId, contact.customer_id, tx);
    if (!customer) throw AppError.notFound('customer');
    if (customer.erased_at)
      throw new AppError(
        'customer_erased',
        'the customer was erased: no personal data is recorded',
        HttpStatus.CONFLICT,
      );
    await this.observations.insert(workspaceId, contact.customer_id, rows, tx, contact.id);
  }

  private async contactView(
    workspaceId: string,
    rootId: string,
    c: ContactRow,
  ): Promise<ContactPersonalityProfileView> {
    const rows = await this.observations.contactObservations(workspaceId, c.id);
    return {
      ...profileOf(rootId, rows.map(toObservation)),
      contact: { id: c.id, name: c.name, title: c.title, isPrimary: c.is_primary },
    };
  }

  // ---- end of contact persons ----

  /**
   * The rep's tag from a call outcome (the outcome form's personality select), in the caller's transaction. The
   * customer is the worklist item's, already checked and locked by the outcome.
   */
  async tagFromOutcome(p: Principal, customerId: string, type: Personality, tx: Tx): Promise<void> {
    await this.record(
      p.workspaceId,
      customerId,
      [{ dimension: 'type', value: type, source: 'rep_tag', confidence: REP_TAG_CONFIDENCE, ...actorOf(p) }],
      tx,
      // an erased customer's outcome is still recorded; the tag is personal data and is dropped
      { erased: 'skip' },
    );
  }

  /**
   * Records and, in the same transaction, queues the write-back of the customer (a changed type reaches the CRM
   * like an outcome's: docs/write-back.md). The outcome path passes the customer itself.
   */
  private async recordAndPass(workspaceId: string, customerId: string, rows: NewObservation[], tx: Tx) {
    await this.record(workspaceId, customerId, rows, tx);
    await this.writeBack.passCustomers(tx, workspaceId, [customerId]);
  }

  /**
   * Guesses the type from the customer's latest notes (inference.ts) and records the guess as `inferred` (actor
   * system) when it is new or moved; in the caller's transaction (a call outcome with a note). A guess never writes
   * `customers.personality`: only a person's statement does.
   */
  async inferFromNotes(workspaceId: string, customerId: string, tx: Tx): Promise<void> {
    const customer = await this.observations.lockCustomer(workspaceId, customerId, tx);
    if (!customer || customer.erased_at) return;
    const guess = inferTypeFromNotes(
      await this.observations.recentNotes(workspaceId, customerId, NOTES_READ, tx),
    );
    if (!guess) return;
    const all = await this.observations.observations(workspaceId, customerId, tx);
    const last = all.filter((o) => o.dimension === 'type' && o.source === 'inferred').at(-1);
    if (
      last &&
      last.value === guess.type &&
      Math.abs(Number(last.confidence) - guess.confidence) <= INFERENCE_CHANGE
    )
      return;
    await this.observations.insert(
      workspaceId,
      customerId,
      [
        {
          dimension: 'type',
          value: guess.type,
          source: 'inferred',
          confidence: guess.confidence,
          actorKind: 'system',
          actorId: null,
        },
      ],
      tx,
    );
  }

  /** Appends the observations and, when a person's statement now decides the type, writes it to the customer. */
  private async record(
    workspaceId: string,
    customerId: string,
    rows: NewObservation[],
    tx: Tx,
    opts: { erased: 'refuse' | 'skip' } = { erased: 'refuse' },
  ): Promise<void> {
    const customer = await this.observations.lockCustomer(workspaceId, customerId, tx);
    if (!customer) throw AppError.notFound('customer');
    if (customer.erased_at && opts.erased === 'skip') return;
    if (customer.erased_at)
      throw new AppError(
        'customer_erased',
        'the customer was erased: no personal data is recorded',
        HttpStatus.CONFLICT,
      );
    await this.observations.insert(workspaceId, customerId, rows, tx);
    const all = (await this.observations.observations(workspaceId, customerId, tx)).map(toObservation);
    const type = resolveProfile(all, new Date()).type;
    if (type && isPersonSource(type.source))
      await this.observations.setEffectiveType(workspaceId, customerId, type.value, tx);
  }

  private async view(workspaceId: string, rootId: string): Promise<PersonalityProfileView> {
    return profileOf(rootId, (await this.observations.observations(workspaceId, rootId)).map(toObservation));
  }

  /** The questionnaire as the API and the rep page show it (weights and traits stay server-side). */
  questionnaire() {
    return {
      questions: QUESTIONNAIRE.map((q) => ({
        id: q.id,
        text: q.text,
        options: q.options.map((o) => ({ id: o.id, text: o.text })),
      })),
      minAnswers: QUESTIONNAIRE_MIN_ANSWERS,
    };
  }
}

/** The profile view of a history (a customer's or a contact person's), as of now. */
function profileOf(customerId: string, all: Observation[]): PersonalityProfileView {
  const asOf = new Date();
  const profile = resolveProfile(all, asOf);
  const winners = new Set(DIMENSIONS.map((d) => profile[d]?.observationId).filter((x) => x !== undefined));
  return {
    customerId,
    asOf,
    type: profile.type?.value ?? null,
    profile: profileView(profile),
    history: all
      .slice(-HISTORY_SHOWN)
      .reverse()
      .map((o) => ({
        id: o.id,
        dimension: o.dimension,
        value: o.value,
        source: o.source,
        confidence: o.confidence,
        currentConfidence: decayedConfidence(o, asOf),
        actor: o.actor,
        observedAt: o.observedAt,
        counts: winners.has(o.id),
      })),
    rules: { halfLifeDays: { ...HALF_LIFE_DAYS }, minGuessConfidence: MIN_GUESS_CONFIDENCE },
  };
}

/** The questionnaire's result and the observations it states (a tie states nothing: 422). */
function questionnaireRows(
  answers: Record<string, string>,
  who: Pick<NewObservation, 'actorKind' | 'actorId'>,
): { result: QuestionnaireResult; rows: NewObservation[] } {
  const result = scoreQuestionnaire(answers);
  const rows: NewObservation[] = [];
  // a tie states nothing: confidence 0 would still win as a person's statement
  if (result.personality && result.confidence > 0)
    rows.push({
      dimension: 'type',
      value: result.personality,
      source: 'questionnaire',
      confidence: result.confidence,
      ...who,
      answers,
    });
  for (const [dimension, trait] of Object.entries(result.traits))
    if (trait.confidence > 0)
      rows.push({
        dimension: dimension as Dimension,
        value: trait.value,
        source: 'questionnaire',
        confidence: trait.confidence,
        ...who,
        answers,
      });
  if (rows.length === 0)
    throw invalid([
      { path: 'answers', message: 'the answers point to no type and no dimension (a tie everywhere)' },
    ]);
  return { result, rows };
}

function resultView(result: QuestionnaireResult): QuestionnaireAnswerView['result'] {
  return {
    type: result.confidence > 0 ? result.personality : null,
    confidence: result.confidence,
    answered: result.answered,
    scores: result.scores,
    traits: result.traits,
  };
}

/** A rep's or manager's statement as observations: one per dimension, at the stated (or the default) confidence. */
function repTagRows(input: NonNullable<ReturnType<typeof parseTag>['input']>, p: Principal) {
  const confidence = input.confidence ?? REP_TAG_CONFIDENCE;
  return Object.entries(input.values).map(([dimension, value]) => ({
    dimension: dimension as Dimension,
    value,
    source: 'rep_tag' as const,
    confidence,
    ...actorOf(p),
  }));
}
