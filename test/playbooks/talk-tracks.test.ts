import { INestApplication } from '@nestjs/common';
import type { Offer } from '../../src/offers/offer-catalog';
import { OfferChooser } from '../../src/offers/offer-choice';
import { CustomerFactsRepository } from '../../src/playbooks/customer-facts.repository';
import type { CandidateRow } from '../../src/worklist/candidate-row';
import type { RankedItem } from '../../src/worklist/ranking';
import { BuildContext, WorklistItemBuilder } from '../../src/worklist/worklist-item-builder.service';
import { client, Org } from '../assignments/factory';
import { useTestApp } from '../support/use-test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies

/** A fixed list day: every fact is counted to it, whatever day the suite runs. */
const LIST_DATE = '2026-12-08';

const WINBACK15: Offer = {
  code: 'WINBACK15',
  title: { en: '15% welcome back', 'zh-CN': '回归九折' },
  description: { en: '15% off your next order', 'zh-CN': '下一单85折' },
  tiers: ['core', 'potential', 'general'],
  lifecycles: ['at_risk', 'churned'],
  discountPct: 15,
  priority: 1,
};

/**
 * The issue's wholesaler cases on real SQL: order lines → facts → the reasons and the talk track of an item, and
 * the workspace's own templates: validated on save (422 with the template and position), previewed.
 */
describe('talk tracks from order facts (PostgreSQL, HTTP)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let org: Org;
  const ids: Record<string, string> = {};
  let admin: string;

  /** Paid orders at noon UTC: [day, amount minor, lines of [product, category, amount]]. */
  async function orders(customer: string, list: Array<[string, number, Array<[string, string, number]>?]>) {
    for (const [n, [day, amount, lines]] of list.entries()) {
      const [row] = await nest.db.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
         VALUES ($1, $2, $3, $4::date + time '12:00', $5, 'GBP', 'paid') RETURNING id`,
        [org.workspaceId, `${customer}-${n}`, ids[customer], day, amount],
      );
      for (const [i, [product, category, lineAmount]] of (lines ?? []).entries()) {
        await nest.db.query(
          `INSERT INTO order_lines (order_id, line_no, workspace_id, product_code, product_name, category, quantity, amount_minor)
           VALUES ($1, $2, $3, $4, $4, $5, 1, $6)`,
          [row.id, i + 1, org.workspaceId, product, category, lineAmount],
        );
      }
    }
  }

  beforeAll(async () => {
    org = await Org.create(nest.app, 'talk-tracks-facts');
    await nest.db.query(`UPDATE workspaces SET currency = 'GBP', timezone = 'Europe/London' WHERE id = $1`, [
      org.workspaceId,
    ]);
    await org.rep('ann');
    const [burst, weekly, single, refunds] = await org.customers('c', 4, 'ann');
    Object.assign(ids, { burst, weekly, single, refunds });
    // six invoices on 21–22 Nov; the first is not the £734.82 one
    await orders('burst', [
      ['2026-11-21', 12_050, [['Cake stand', 'Kitchenware', 12_050]]],
      ['2026-11-21', 9_900, [['Tea towel', 'Textiles', 9_900]]],
      ['2026-11-21', 4_000],
      ['2026-11-22', 2_000, [['Tea set', 'Kitchenware', 2_000]]],
      ['2026-11-22', 3_000],
      [
        '2026-11-22',
        73_482,
        [
          ['Tea set', 'Kitchenware', 60_000],
          ['Cake stand', 'Kitchenware', 13_482],
        ],
      ],
    ]);
    await orders(
      'weekly',
      [
        '2026-10-03',
        '2026-10-10',
        '2026-10-17',
        '2026-10-24',
        '2026-10-31',
        '2026-11-07',
        '2026-11-14',
        '2026-11-21',
      ].map((d) => [d, 20_000] as [string, number]),
    );
    await orders('single', [['2026-11-21', 73_482, [['Lantern', 'Lighting', 73_482]]]]);
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'r-1', $2, '2010-05-01', 255, 'GBP', 'refunded')`,
      [org.workspaceId, refunds],
    );
    admin = await org.key('admin');
  });

  const histories = () =>
    nest.app.get(CustomerFactsRepository).orderHistories(org.workspaceId, Object.values(ids), {
      listDate: LIST_DATE,
      timeZone: 'Europe/London',
      currency: 'GBP',
    });

  it('reads first and last invoice, buying days, favourite category and last products from order lines', async () => {
    const h = await histories();
    expect(h.get(ids.burst)).toEqual({
      orderCount: 6,
      orderDays: 2,
      firstOrderDay: '2026-11-21',
      firstOrderMinor: 12_050,
      lastOrderDay: '2026-11-22',
      lastOrderMinor: 73_482,
      currency: 'GBP',
      favouriteCategory: 'Kitchenware',
      lastProducts: ['Tea set', 'Cake stand'],
    });
    expect(h.get(ids.weekly)).toMatchObject({
      orderCount: 8,
      orderDays: 8,
      favouriteCategory: null,
      lastProducts: [],
    });
    // only refunds: never bought
    expect(h.has(ids.refunds)).toBe(false);
    // orders after the list day are not yet facts
    const before = await nest.app.get(CustomerFactsRepository).orderHistories(org.workspaceId, [ids.burst], {
      listDate: '2026-11-21',
      timeZone: 'Europe/London',
      currency: 'GBP',
    });
    expect(before.get(ids.burst)).toMatchObject({ orderCount: 3, orderDays: 1, lastOrderMinor: 4_000 });
  });

  /** The item a rep reads for a customer, with the ranking's reason (floored cycle, silence from the score run). */
  async function item(customer: string, lifecycle: CandidateRow['lifecycle'], personality: string | null) {
    const ranked: RankedItem = {
      customerId: ids[customer],
      rank: 1,
      kind: 'ranked',
      value: 1000,
      reasons: [{ code: 'overdue_vs_cycle', value: 1000, facts: { cycleDays: 7, daysSilent: 15 } }],
      callWindow: null,
    };
    const row = {
      customer_id: ids[customer],
      customer_name: 'Ms Chen',
      customer_external_id: customer,
      value_tier: 'core',
      lifecycle,
      personality,
      rfm_segment: null,
      score_priority: 1,
      last_complaint_at: null,
      last_complaint_note: null,
    } as unknown as CandidateRow;
    const ctx: BuildContext = {
      listDate: LIST_DATE,
      scoredAsOf: '2026-12-07',
      currency: 'GBP',
      timeZone: 'Europe/London',
      offers: realChoices([WINBACK15]),
      histories: await histories(),
      talkTracks: { templates: {}, variants: {} },
    };
    return nest.app
      .get(WorklistItemBuilder)
      .build(ranked, row, { id: 'r', name: 'Bob Li', locale: 'en' }, ctx);
  }

  /** The offers' own choice over a fixed catalog (no budgets used, nothing shown before). */
  function realChoices(catalog: Offer[]): BuildContext['offers'] {
    const chooser = new OfferChooser({
      catalog,
      asOf: LIST_DATE,
      usage: {},
      shownToCustomer: new Map(),
      shownByRep: new Map(),
      redeemedByCustomer: new Map(),
    });
    return {
      choose: (customerId, repId, row, only) => {
        const offer = chooser.choose(
          customerId,
          repId,
          { ...row, abc: null, region: null, categories: [] },
          only,
        );
        return offer ? { offer, version: 1 } : null;
      },
    };
  }

  it('six invoices on 21–22 Nov: no "first order", the 1-day gap is "several times a week", reason and track agree', async () => {
    const built = await item('burst', 'active', 'rational');
    expect(built.summary).toBe('buys several times a week, now 16 days silent');
    expect(built.talkTrack).not.toMatch(/first order/);
    expect(built.talkTrack).not.toMatch(/~7 days|every 7/);
    expect(built.talkTrack).toContain(
      '6 orders since November 21, 2026, the last one 16 days ago for £734.82',
    );
    expect(built.talkTrack).toContain('you buy several times a week');
    expect(built.talkTrack).toContain('Tea set and Cake stand');
    expect(built.talkTrack).toContain('mostly Kitchenware');
  });

  it('a customer whose only order was 17 days ago hears "first order 17 days ago"', async () => {
    const built = await item('single', 'new', null);
    expect(built.talkTrack).toContain('You placed your first order 17 days ago (£734.82), with Lantern');
  });

  it('a weekly buyer 17 days silent gets win-back words and the offer’s terms', async () => {
    const built = await item('weekly', 'at_risk', null);
    expect(built.summary).toBe('bought every ~7 days, now 17 days silent');
    expect(built.talkTrack).toContain(
      "It's been 17 days since your last order, and you usually buy every ~7 days",
    );
    expect(built.talkTrack).toContain('if we worked together again');
    expect(built.talkTrack).toContain(
      "To make coming back worthwhile, we're offering 15% welcome back: 15% off your next order. That's 15% off.",
    );
    expect(built.offerCode).toBe('WINBACK15');
  });

  describe('workspace templates', () => {
    const call = () => client(nest.app as INestApplication);
    const preview = {
      facts: 'lapsed',
      locale: 'en',
      personality: 'neutral',
      situation: 'winback_at_risk',
      valueTier: 'core',
      offerType: 'discount',
    };

    it('refuses on save a template that fails for some call, with the template and position', async () => {
      const res = await call()(admin)<Json>('PATCH', '/v1/workspace', {
        settings: { talkTracks: { templates: { 'en/close': 'Last order:\n  {{orders.lastAmount}}' } } },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('invalid_settings');
      expect(res.body.error.details).toEqual([
        {
          path: 'settings.talkTracks.templates.en/close',
          message: expect.stringMatching(/^line 2, column 5: .*lastAmount/),
        },
      ]);
      const syntax = await call()(admin)<Json>('PATCH', '/v1/workspace', {
        settings: { talkTracks: { templates: { 'zh-CN/opening': '您好\n{{#if lapsed}}' } } },
      });
      expect(syntax.status).toBe(422);
      expect(syntax.body.error.details[0].path).toBe('settings.talkTracks.templates.zh-CN/opening');
      expect(syntax.body.error.details[0].message).toMatch(/^line 2: cannot compile/);
    });

    it('stores good templates, which lists and previews then use', async () => {
      const templates = { 'en/signoff': 'Cheers, {{customerName}}!' };
      const saved = await call()(admin)<Json>('PATCH', '/v1/workspace', {
        settings: { talkTracks: { templates } },
      });
      expect(saved.status).toBe(200);
      expect(saved.body.workspace.settings.talkTracks).toEqual({ templates, variants: {} });
      const res = await call()(admin)<Json>('POST', '/v1/workspace/talk-tracks/preview', preview);
      expect([res.status, res.body.error]).toEqual([200, undefined]);
      expect(res.body.situation).toBe('winback_at_risk');
      expect(res.body.partials.offer).toBe('offer.discount');
      expect(res.body.text).toMatch(/Cheers, Ms Chen!$/);
      expect(res.body.text).toContain("That's 15% off on orders over £50");
    });

    it('previews templates being edited, and answers 422 with the template, line and column when they fail', async () => {
      const ok = await call()(admin)<Json>('POST', '/v1/workspace/talk-tracks/preview', {
        ...preview,
        templates: { 'en/value.winback_at_risk': 'We missed you, {{customerName}}.' },
      });
      expect([ok.status, ok.body.error]).toEqual([200, undefined]);
      expect(ok.body.partials.value).toBe('value.winback_at_risk');
      expect(ok.body.text).toContain('We missed you, Ms Chen.');
      const bad = await call()(admin)<Json>('POST', '/v1/workspace/talk-tracks/preview', {
        ...preview,
        templates: { 'en/value': 'ok\n{{#if lapsed}}\n  {{offer.nope}}{{/if}}' },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.error.code).toBe('invalid_template');
      expect(bad.body.error.details.issues).toEqual([
        {
          path: 'templates.en/value',
          template: 'en/value',
          line: 3,
          column: 5,
          message: expect.stringMatching(/nope/),
        },
      ]);
      const shape = await call()(admin)<Json>('POST', '/v1/workspace/talk-tracks/preview', {
        ...preview,
        situation: 'x',
      });
      expect(shape.status).toBe(400);
    });

    it('is for admins only', async () => {
      await org.rep('rep-b');
      const repKey = await org.key('rep', 'rep-b');
      expect((await call()(repKey)('POST', '/v1/workspace/talk-tracks/preview', preview)).status).toBe(403);
      expect((await call()(null)('POST', '/v1/workspace/talk-tracks/preview', preview)).status).toBe(401);
    });
  });
});
