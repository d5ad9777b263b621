import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { CALL_REACH_LOOKUP, CallReachLookup, CallReachView } from '../../customers/call-reach.port';
import { maskEmail, maskPhone } from '../../customers/pii/pii';
import { PersonalityService } from '../../personality/personality.service';
import { WorklistOutcomesService } from '../../worklist/worklist-outcomes.service';
import { WorklistPinsService } from '../../worklist/worklist-pins.service';
import { WorklistQueryService } from '../../worklist/worklist-query.service';
import type { WorklistItemDetailView } from '../../worklist/worklist.views';
import { zonedInstant } from '../../worklist/zoned-time';
import { EmbedSession } from '../embed-session.service';
import { codeLabel, UI } from '../page-labels';
import { PageRenderer } from '../page-renderer';
import { repDrawer } from './rep-drawer';
import { RepDrawerRepository } from './rep-drawer.repository';
import { repPage } from './rep-page';

/** What the page shows of an item after an action: its state in words. */
export interface ItemStateView {
  id: string;
  state: string;
  stateLabel: string;
  outcomeLabel: string;
}

/** The answer, or null when it is a 404 (out of the reader's scope). */
async function orNotFound<T>(answer: Promise<T>): Promise<T | null> {
  try {
    return await answer;
  } catch (e) {
    if (e instanceof AppError && e.status === 404) return null;
    throw e;
  }
}

/**
 * The rep workspace behind an embed token: the page, the customer drawer and the actions, each through the
 * worklist services as the token's rep and on that rep's items only (another rep's item answers 404, even for a
 * manager's token: the token names one rep).
 */
@Injectable()
export class RepWorkspaceService {
  constructor(
    private readonly lists: WorklistQueryService,
    private readonly outcomes: WorklistOutcomesService,
    private readonly pins: WorklistPinsService,
    private readonly pages: PageRenderer,
    private readonly personalities: PersonalityService,
    private readonly drawerReads: RepDrawerRepository,
    @Optional() @Inject(CALL_REACH_LOOKUP) private readonly reach: CallReachLookup | null = null,
  ) {}

  async page(s: EmbedSession, date: string): Promise<string> {
    const ui = UI[s.locale];
    let list;
    try {
      list = await this.lists.forRep(s.viewer, s.rep.id, date, { maskPii: s.readOnly });
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 404) throw e;
      return this.pages.page('rep', {
        locale: s.locale,
        title: `${ui.title} — ${s.rep.name}`,
        labels: ui,
        repName: s.rep.name,
        date,
        empty: true,
      });
    }
    const model = repPage(list, { locale: s.locale, currency: s.workspace.currency, readOnly: s.readOnly });
    return this.pages.page('rep', {
      ...model,
      title: `${ui.title} — ${model.repName}`,
      labelsJson: JSON.stringify(ui),
    });
  }

  async drawer(s: EmbedSession, itemId: string): Promise<string> {
    const d = await this.ownItem(s, itemId);
    // null when the customer is no longer the rep's (reassigned): the drawer shows neither
    const customerId = await orNotFound(this.lists.itemCustomer(s.viewer, itemId));
    const [personality, reach, contacts] = customerId
      ? await Promise.all([
          orNotFound(this.personalities.profile(s.viewer, customerId)),
          orNotFound(this.reachOf(s, customerId)),
          orNotFound(this.personalities.contactProfiles(s.viewer, customerId)),
        ])
      : [null, null, null];
    return this.pages.fragment(
      'rep-drawer',
      repDrawer(d, {
        locale: s.locale,
        currency: s.workspace.currency,
        workspaceTimeZone: s.workspace.timezone,
        readOnly: s.readOnly,
        personality,
        reach,
        contacts,
      }),
    );
  }

  /**
   * Whether the customer's owner can ever call them this week (the same lookup as the customer view's callReach)
   * and the names of the reps it proposes instead. Null without an owner or where the lookup is not provided.
   */
  private async reachOf(
    s: EmbedSession,
    customerId: string,
  ): Promise<{ view: CallReachView | null; repNames: string[] } | null> {
    const ws = s.viewer.workspaceId;
    const subject = this.reach && (await this.drawerReads.reachSubject(ws, customerId));
    if (!this.reach || !subject?.owner_external_id) return null;
    const view = await this.reach.reachOf(ws, {
      kind: subject.kind,
      country: subject.country,
      ownerExternalId: subject.owner_external_id,
    });
    const repNames = view && !view.ownerReaches ? await this.drawerReads.repNames(ws, view.reps) : [];
    return { view, repNames };
  }

  /** Sets or confirms personality values of the item's customer, as the token's rep. */
  async personality(s: EmbedSession, itemId: string, body: Record<string, unknown>) {
    await this.ownItem(s, itemId);
    const customerId = await this.lists.itemCustomer(s.viewer, itemId);
    await this.personalities.tag(s.viewer, customerId, body);
    return { id: itemId, label: UI[s.locale].personalitySaved };
  }

  /** Scores the questionnaire for the item's customer and records it, as the token's rep. */
  async questionnaire(s: EmbedSession, itemId: string, body: Record<string, unknown>) {
    await this.ownItem(s, itemId);
    const customerId = await this.lists.itemCustomer(s.viewer, itemId);
    const { result } = await this.personalities.answer(s.viewer, customerId, body);
    const type = codeLabel('personality', result.type, s.locale);
    return {
      id: itemId,
      label: type ? `${UI[s.locale].personalitySaved}: ${type}` : UI[s.locale].personalitySaved,
    };
  }

  async outcome(
    s: EmbedSession,
    itemId: string,
    input: { outcome: string; notes?: string; callbackLocal?: string; personality?: string },
  ): Promise<ItemStateView> {
    const item = await this.ownItem(s, itemId);
    let callbackAt: string | undefined;
    if (input.callbackLocal) {
      // the rep picks the customer's wall time; the API takes an instant with an offset
      const [day, hm] = input.callbackLocal.split('T');
      const [h, m] = hm.split(':').map(Number);
      callbackAt = zonedInstant(day, h * 60 + m, item.timeZone).toISOString();
    }
    const result = await this.outcomes.record(s.viewer, itemId, {
      outcome: input.outcome as Parameters<WorklistOutcomesService['record']>[2]['outcome'],
      notes: input.notes || undefined,
      callbackAt,
      personality: input.personality,
    });
    return this.stateView(s, itemId, 'done', result.outcome);
  }

  async snooze(
    s: EmbedSession,
    itemId: string,
    input: { until: string; reason: string },
  ): Promise<ItemStateView> {
    await this.ownItem(s, itemId);
    await this.outcomes.snooze(s.viewer, itemId, input);
    return this.stateView(s, itemId, 'snoozed', null);
  }

  /** Keeps the customer on this rep's list every day until `endsOn` (open-ended without it). */
  async pin(s: EmbedSession, itemId: string, input: { endsOn?: string }) {
    const item = await this.ownItem(s, itemId);
    const pin = await this.pins.pin(s.viewer, { customer: item.customer.externalId, endsOn: input.endsOn });
    return { id: itemId, pinned: true, endsOn: pin.endsOn, label: UI[s.locale].pinned };
  }

  /** The item, when it is on a list of the token's rep and its customer is still theirs; 404 otherwise. */
  private async ownItem(s: EmbedSession, itemId: string): Promise<WorklistItemDetailView> {
    const d = await this.lists.item(s.viewer, itemId);
    if (d.rep.id !== s.claims.repId) throw new AppError('not_found', 'worklist item not found', 404);
    if (s.readOnly) {
      d.customer.phone = d.customer.phone && maskPhone(d.customer.phone);
      d.customer.email = d.customer.email && maskEmail(d.customer.email);
      d.recentInteractions = d.recentInteractions.map((x) => ({ ...x, note: null }));
    }
    return d;
  }

  private stateView(s: EmbedSession, id: string, state: string, outcome: string | null): ItemStateView {
    return {
      id,
      state,
      stateLabel: codeLabel('state', state, s.locale),
      outcomeLabel: codeLabel('outcome', outcome, s.locale),
    };
  }
}
