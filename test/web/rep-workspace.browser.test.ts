import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { zonedInstant } from '../../src/worklist/zoned-time';
import { describeInBrowser, launchBrowser, seriousAxeViolations, tofuCharacters } from '../support/browser';
import { useTestApp } from '../support/use-test-app';
import { addDays, client, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

/** A reason or tag code as the API spells it (`high_expected_value`, `at_risk`): never visible on a page. */
const RAW_CODE = /\b[a-z]+_[a-z_]+\b/;
const EMAIL = /\S+@\S+/g;

/** The parts of GET /v1/worklist-items/{id} the drawer test reads. */
interface ItemDetail {
  id: string;
  customer: { externalId: string };
  offer: { discountPct?: number | null; version?: number | null } | null;
  scores: { lifecycleReasons?: string[] | null } | null;
}

interface ListItem {
  id: string;
  rank: number;
  state: string;
  kind: string;
  customer: { externalId: string; name: string | null };
}

/**
 * The rep workspace in a real browser (Debian's Chromium through playwright-core): a rep works today's list top to
 * bottom through the page and tomorrow's list reflects it; both locales render without raw codes or tofu; a token
 * opens its own rep's items only; axe-core finds no serious violations.
 */
describeInBrowser('rep workspace in a browser', () => {
  const nest = useTestApp({ http: true, redis: true });
  let http: ReturnType<typeof client>;
  let browser: Browser;
  let workspaceId: string;
  let today: string;
  const reps: Record<'zh' | 'en', { id: string; external_id: string; key: string }> = {} as never;

  beforeAll(async () => {
    http = client(nest.app);
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { customers: 600 }));
    await publish(nest.app, workspaceId, today);
    for (const [which, locale] of [
      ['zh', 'zh-CN'],
      ['en', 'en'],
    ] as const) {
      const [rep] = await nest.db.query(
        `SELECT r.id, r.external_id, count(i.id)::int AS n
         FROM worklists w JOIN reps r ON r.id = w.rep_id JOIN worklist_items i ON i.worklist_id = w.id
         WHERE w.workspace_id = $1 AND w.list_date = $2 AND r.locale = $3 AND r.role = 'rep'
         GROUP BY r.id ORDER BY n DESC, r.external_id LIMIT 1`,
        [workspaceId, today, locale],
      );
      reps[which] = { ...rep, key: await keyFor(nest.app, workspaceId, 'rep', rep.id) };
    }
    browser = await launchBrowser();
    nest.cleanup(() => browser.close());
  }, 180_000);

  async function tokenPath(which: 'zh' | 'en'): Promise<string> {
    const minted = await http.post('/v1/embed-tokens', reps[which].key, { rep: reps[which].external_id });
    expect(minted.status).toBe(201);
    return minted.body.path as string;
  }

  async function open(which: 'zh' | 'en'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const res = await page.goto(`${nest.url}${await tokenPath(which)}`);
    expect(res?.status()).toBe(200);
    nest.cleanup(() => context.close());
    // no CSP violation or script error on load
    expect(errors).toEqual([]);
    return { context, page };
  }

  async function listOf(which: 'zh' | 'en'): Promise<ListItem[]> {
    const res = await http.get('/v1/me/worklist?state=all&limit=200', reps[which].key).expect(200);
    return res.body.items;
  }

  it('a rep works the list top to bottom through the page, and tomorrow’s list reflects it', async () => {
    const { context, page } = await open('zh');
    const items = (await listOf('zh')).filter((i) => i.state === 'open').sort((a, b) => a.rank - b.rank);
    expect(items.length).toBeGreaterThanOrEqual(8);
    const total = items.length;
    await expect(page.locator('#progress-text').textContent()).resolves.toBe(`已处理 0 / ${total}`);
    // rank order on the page
    const ids = await page.locator('li.item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(ids).toEqual(items.map((i) => i.id));

    const did = new Map<string, string>();
    const tomorrow = addDays(today, 1);
    for (const [n, item] of items.entries()) {
      const row = page.locator(`li.item[data-id="${item.id}"]`);
      const plan =
        n < 6
          ? ['callback', 'snooze', 'dnc', 'pin', 'offline', 'keyboard'][n]
          : n % 2
            ? 'no_answer'
            : 'reached';
      did.set(item.id, plan);
      if (plan === 'reached' || plan === 'no_answer') {
        await row.locator(`button[data-action="${plan}"]`).click();
      } else if (plan === 'keyboard') {
        // keyboard only: focus the button and press Enter
        await row.locator('button[data-action="reached"]').focus();
        await page.keyboard.press('Enter');
      } else if (plan === 'offline') {
        // a post made offline is kept, shown, and sent when the browser is back online
        await context.setOffline(true);
        await row.locator('button[data-action="reached"]').click();
        await page.locator('#sync:not([hidden])').waitFor();
        await expect(page.locator('#sync').textContent()).resolves.toContain('尚未保存');
        await expect(row.getAttribute('data-state')).resolves.toBe('open');
        await context.setOffline(false);
      } else {
        await row.locator('button[data-action="open"]').click();
        const drawer = page.locator('#drawer');
        await drawer.locator('form[data-form="outcome"]').waitFor();
        if (plan === 'callback') {
          await drawer.locator('select[name="outcome"]').selectOption('callback_requested');
          await drawer.locator('input[name="callbackLocal"]').fill(`${tomorrow}T10:30`);
          await drawer.locator('select[name="personality"]').selectOption('rational');
          await drawer.locator('textarea[name="notes"]').fill('想要报价');
          await drawer.locator('form[data-form="outcome"] button[type="submit"]').click();
        } else if (plan === 'dnc') {
          await drawer.locator('select[name="outcome"]').selectOption('do_not_call');
          await drawer.locator('form[data-form="outcome"] button[type="submit"]').click();
        } else if (plan === 'snooze') {
          await drawer.locator('input[name="until"]').fill(addDays(today, 7));
          await drawer.locator('input[name="reason"]').fill('出差');
          await drawer.locator('form[data-form="snooze"] button[type="submit"]').click();
        } else if (plan === 'pin') {
          await drawer.locator('form[data-form="pin"] button[type="submit"]').click();
          await row.locator('[data-role="status"]', { hasText: '已保留在清单上' }).waitFor();
          // then the call itself
          await drawer.locator('select[name="outcome"]').selectOption('reached');
          await drawer.locator('form[data-form="outcome"] button[type="submit"]').click();
        }
      }
      const state = plan === 'snooze' ? 'snoozed' : 'done';
      await page.locator(`li.item[data-id="${item.id}"][data-state="${state}"]`).waitFor({ timeout: 15_000 });
      await expect(page.locator('#progress-text').textContent()).resolves.toBe(`已处理 ${n + 1} / ${total}`);
    }
    await expect(page.locator('#sync').isHidden()).resolves.toBe(true);
    await expect(page.locator('li.item[data-state="open"]').count()).resolves.toBe(0);

    // reloaded, the page shows what was done; the API agrees
    await page.reload();
    await expect(page.locator('#progress-text').textContent()).resolves.toBe(`已处理 ${total} / ${total}`);
    await expect(
      page.locator(`li.item[data-id="${items[2].id}"] [data-role="state"]`).textContent(),
    ).resolves.toBe('已完成 · 拒绝来电');
    const after = await listOf('zh');
    expect(after.filter((i) => i.state === 'open')).toEqual([]);

    // the callback was picked in the customer's time zone and stored as that instant
    const callback = await http.get(`/v1/worklist-items/${items[0].id}`, reps.zh.key).expect(200);
    expect(callback.body.openFollowUp.kind).toBe('callback');
    expect(callback.body.openFollowUp.dueAt).toBe(
      zonedInstant(tomorrow, 10 * 60 + 30, callback.body.timeZone).toISOString(),
    );
    // the personality picked in the drawer is the customer's now (the item keeps the one it was published with)
    const [customer] = await nest.db.query(
      `SELECT personality FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, items[0].customer.externalId],
    );
    expect(customer.personality).toBe('rational');

    // tomorrow's list: the pinned customer is back, the snoozed and do-not-call ones are not
    await publish(nest.app, workspaceId, tomorrow);
    const next = await http
      .get(`/v1/me/worklist?date=${tomorrow}&state=all&limit=200`, reps.zh.key)
      .expect(200);
    const byCustomer = new Map<string, ListItem>(
      next.body.items.map((i: ListItem) => [i.customer.externalId, i] as const),
    );
    expect(byCustomer.get(items[1].customer.externalId)).toBeUndefined(); // snoozed a week
    expect(byCustomer.get(items[2].customer.externalId)).toBeUndefined(); // do not call
    expect(byCustomer.get(items[3].customer.externalId)?.kind).toBe('pinned');
  }, 300_000);

  it.each(['zh', 'en'] as const)(
    '%s: the page and the drawer show words, not codes, and no tofu',
    async (which) => {
      const { page } = await open(which);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(which === 'zh' ? 'zh-CN' : 'en');
      await page.locator('li.item button[data-action="open"]').first().click();
      await page.locator('#drawer-body section').first().waitFor();
      const text = (await page.locator('body').innerText()).replace(EMAIL, '');
      expect(text).not.toMatch(RAW_CODE);
      if (which === 'zh') {
        expect(text).toMatch(/[\u4e00-\u9fff]{2}/);
        // no English code words either (tags such as neutral, core, at risk)
        const tags = await page.locator('.tag').allInnerTexts();
        expect(tags.filter((t) => /[a-z]{3,}/i.test(t))).toEqual([]);
      }
      expect(await tofuCharacters(page, text)).toEqual([]);
      expect(await seriousAxeViolations(page)).toEqual([]);
    },
  );

  it('axe-core finds no serious violations on the list; the keyboard reaches every action', async () => {
    const { page } = await open('en');
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Tab reaches the first action; Enter on "More…" opens the drawer and Escape returns focus to it
    const more = page.locator('li.item button[data-action="open"]').first();
    await more.focus();
    await page.keyboard.press('Enter');
    await page.locator('#drawer:not([hidden])').waitFor();
    await expect(page.evaluate('document.activeElement.dataset.action')).resolves.toBe('close');
    await page.keyboard.press('Escape');
    await expect(page.locator('#drawer').isHidden()).resolves.toBe(true);
    await expect(page.evaluate('document.activeElement.dataset.action')).resolves.toBe('open');
  });

  it('a token opens its own rep’s items only; a bad token gets a friendly page in the reader’s language', async () => {
    const own = await tokenPath('en');
    const token = new URL(own, 'http://x').searchParams.get('token')!;
    const other = (await listOf('zh'))[0];
    const server = nest.app.getHttpServer();
    await request(server)
      .get(`/embed/api/items/${other.id}`)
      .set('authorization', `Bearer ${token}`)
      .expect(404);
    const before = await http.get(`/v1/worklist-items/${other.id}`, reps.zh.key).expect(200);
    for (const [path, body] of [
      ['outcome', { outcome: 'reached' }],
      ['snooze', { until: addDays(today, 3), reason: 'x' }],
      ['pin', {}],
    ] as const) {
      await request(server)
        .post(`/embed/api/items/${other.id}/${path}`)
        .set('authorization', `Bearer ${token}`)
        .send(body)
        .expect(404);
    }
    // an API key is not an embed token
    await request(server)
      .get(`/embed/api/items/${other.id}`)
      .set('authorization', `Bearer ${reps.zh.key}`)
      .expect(401);
    const afterwards = await http.get(`/v1/worklist-items/${other.id}`, reps.zh.key).expect(200);
    expect(afterwards.body.state).toBe(before.body.state);

    const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    const res = await page.goto(`${nest.url}/embed/worklist?token=${token.slice(0, -2)}xx`);
    expect(res?.status()).toBe(401);
    const text = await page.locator('body').innerText();
    expect(text).toContain('链接已失效');
    expect(text).not.toContain('invalid_embed_token');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('an action that could not be sent is kept and sent when the list is reopened with a new token', async () => {
    const { page } = await open('en');
    const row = page.locator('li.item[data-state="open"]').first();
    const id = (await row.getAttribute('data-id'))!;
    await page.route('**/embed/api/**', (route) => route.abort('connectionrefused'));
    await row.locator('button[data-action="reached"]').click();
    await page.locator('#sync:not([hidden])').waitFor();
    await expect(
      page.locator(`li.item[data-id="${id}"] [data-role="status"]`).textContent(),
    ).resolves.toContain('Not saved yet');
    expect((await http.get(`/v1/worklist-items/${id}`, reps.en.key).expect(200)).body.state).toBe('open');
    // the CRM reopens the list: a new token, the same rep
    await page.unroute('**/embed/api/**');
    await page.goto(`${nest.url}${await tokenPath('en')}`);
    await page.locator(`li.item[data-id="${id}"][data-state="done"]`).waitFor({ timeout: 15_000 });
    await expect(page.locator('#sync').isHidden()).resolves.toBe(true);
    const item = await http.get(`/v1/worklist-items/${id}`, reps.en.key).expect(200);
    expect(item.body).toMatchObject({ state: 'done', outcome: 'reached' });
  });

  it('frames only where the workspace allows: settings.embed.frameAncestors, validated', async () => {
    const admin = await keyFor(nest.app, workspaceId, 'admin');
    const bad = await request(nest.app.getHttpServer())
      .patch('/v1/workspace')
      .set('authorization', `Bearer ${admin}`)
      .send({ settings: { embed: { frameAncestors: ['https://crm.example.com/path;script-src *'] } } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('settings.embed.frameAncestors.0');
    await request(nest.app.getHttpServer())
      .patch('/v1/workspace')
      .set('authorization', `Bearer ${admin}`)
      .send({ settings: { embed: { frameAncestors: ['https://crm.example.com', "'self'"] } } })
      .expect(200);
    const res = await request(nest.app.getHttpServer())
      .get(await tokenPath('en'))
      .expect(200);
    expect(res.headers['content-security-policy']).toContain(
      "frame-ancestors https://crm.example.com 'self'",
    );
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['server-timing']).toMatch(/^render;dur=\d/);
  });

  it('the drawer shows personality with its source and confidence; the rep sets it and takes the questionnaire', async () => {
    const { page } = await open('en');
    const row = page.locator('li.item[data-state="open"]').last();
    const id = (await row.getAttribute('data-id'))!;
    const item = await http.get(`/v1/worklist-items/${id}`, reps.en.key).expect(200);
    const [customer] = await nest.db.query(
      `SELECT id::text FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, item.body.customer.externalId],
    );
    const profile = async () =>
      (await http.get(`/v1/customers/${customer.id}/personality`, reps.en.key).expect(200)).body;
    const drawer = page.locator('#drawer');
    const section = drawer.locator('section.d-personality');

    await row.locator('button[data-action="open"]').click();
    await section.waitFor();
    await drawer.locator('summary', { hasText: 'Set personality' }).click();
    await drawer.locator('form[data-form="personality"] select[name="type"]').selectOption('leader');
    await drawer.locator('form[data-form="personality"] select[name="communication"]').selectOption('direct');
    await drawer.locator('form[data-form="personality"] button[type="submit"]').click();
    await row.locator('[data-role="status"]', { hasText: 'Personality saved' }).waitFor({ timeout: 15_000 });
    expect((await profile()).profile).toMatchObject({
      type: { value: 'leader', source: 'rep_tag', actor: { kind: 'rep', id: reps.en.id } },
      communication: { value: 'direct', source: 'rep_tag' },
    });

    // reopened: the value with its source and confidence, in words
    await row.locator('button[data-action="open"]').click();
    await section.waitFor();
    await expect(section.innerText()).resolves.toMatch(/leader\s+a rep's tag · confidence 100%/);

    // the questionnaire: six answers (the first option of each), scored and stored as the questionnaire's
    await drawer.locator('summary', { hasText: 'Questionnaire' }).click();
    const form = drawer.locator('form[data-form="personality/questionnaire"]');
    const fieldsets = form.locator('fieldset');
    await expect(fieldsets.count()).resolves.toBe(11);
    for (let n = 0; n < 6; n++) await fieldsets.nth(n).locator('input[type="radio"]').first().check();
    // the open drawer with both forms: labelled controls, no serious violations
    expect(await seriousAxeViolations(page)).toEqual([]);
    await form.locator('button[type="submit"]').click();
    await row
      .locator('[data-role="status"]', { hasText: 'Personality saved: rational' })
      .waitFor({ timeout: 15_000 });
    const after = await profile();
    expect(after.profile.type).toMatchObject({ value: 'rational', source: 'questionnaire' });
    expect(after.history.filter((h: { source: string }) => h.source === 'rep_tag')).toHaveLength(2);
    await expect(row.getAttribute('data-state')).resolves.toBe('open');
  });
  // last: it moves a customer to New York and gives another rep New York hours
  it.each(['zh', 'en'] as const)(
    '%s: the drawer says why the lifecycle is what it is, that the owner can never call, whom to hand over to, and the offer’s terms',
    async (which) => {
      // an item of the rep with an offer and lifecycle reasons, as the API shows it
      let item: ItemDetail | undefined;
      for (const i of await listOf(which)) {
        const d: ItemDetail = (await http.get(`/v1/worklist-items/${i.id}`, reps[which].key).expect(200))
          .body;
        if (d.offer?.discountPct && d.scores?.lifecycleReasons?.length) {
          item = d;
          break;
        }
      }
      if (!item?.offer || !item.scores?.lifecycleReasons)
        throw new Error('no item with an offer and lifecycle reasons');
      expect(item.offer.version).toBeGreaterThanOrEqual(1);
      // a New York business customer: a Shanghai shift (09:00–18:00) never meets their business hours
      await nest.db.query(
        `UPDATE customers SET kind = 'business', country = 'US' WHERE workspace_id = $1 AND external_id = $2`,
        [workspaceId, item.customer.externalId],
      );
      const [other] = await nest.db.query(
        `SELECT external_id, name FROM reps WHERE workspace_id = $1 AND active AND role = 'rep'
           AND id <> ALL ($2::uuid[]) ORDER BY external_id LIMIT 1`,
        [workspaceId, [reps.zh.id, reps.en.id]],
      );
      await nest.db.query(
        `UPDATE workspaces SET settings = jsonb_set(settings, '{worklist}',
           COALESCE(settings->'worklist', '{}') || jsonb_build_object('repShifts', $2::jsonb)) WHERE id = $1`,
        [
          workspaceId,
          JSON.stringify({
            [other.external_id]: { start: '09:00', end: '17:00', timeZone: 'America/New_York' },
          }),
        ],
      );

      const { page } = await open(which);
      await page.locator(`li.item[data-id="${item.id}"] button[data-action="open"]`).click();
      const notice = page.locator('#drawer-body section.reach-notice');
      await notice.waitFor();
      const noticeText = await notice.innerText();
      expect(noticeText).toContain(
        which === 'zh' ? '本周每天都不在您的通话时间内' : 'Outside your calling hours every day this week',
      );
      expect(noticeText).toContain(`${which === 'zh' ? '建议转给：' : 'Proposed rep: '}${other.name}`);

      const scores = await page.locator('#drawer-body ul.lifecycle-why li').allInnerTexts();
      expect(scores).toHaveLength(item.scores.lifecycleReasons.length);
      await expect(page.locator('#h-lifecycle').innerText()).resolves.toContain(
        which === 'zh' ? '判为“' : 'Why “',
      );

      const terms = await page.locator('#drawer-body dl.offer-terms').innerText();
      expect(terms).toContain(
        which === 'zh' ? `立减 ${item.offer.discountPct}%` : `${item.offer.discountPct}% off`,
      );
      await expect(
        page.locator('#drawer-body section[aria-labelledby="h-offer"]').innerText(),
      ).resolves.toContain(which === 'zh' ? `第 ${item.offer.version} 版` : `version ${item.offer.version}`);

      const text = (await page.locator('#drawer-body').innerText()).replace(EMAIL, '');
      expect(text).not.toMatch(RAW_CODE);
      if (which === 'zh') expect(scores.every((t) => /[\u4e00-\u9fff]/.test(t))).toBe(true);
      expect(await tofuCharacters(page, text)).toEqual([]);
      expect(await seriousAxeViolations(page)).toEqual([]);
    },
  );
});
