import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeInBrowser, launchBrowser } from '../support/browser';
import { useTestApp } from '../support/use-test-app';
import { client, keyFor } from '../worklist/worklist-support';
import { dashboardWorkspace, twoManagers } from './manager-support';

/**
 * Screenshots of the manager dashboard in en and zh-CN: the whole page, and the rebalance preview. `npm run
 * screens` writes them to docs/screens/ (SCREENS_DIR); a plain test run writes them to a temporary directory and
 * checks they are real, bounded images.
 */
describeInBrowser('manager dashboard screenshots', () => {
  const nest = useTestApp({ http: true, redis: true });
  const dir = process.env.SCREENS_DIR ?? mkdtempSync(join(tmpdir(), 'callplan-screens-'));

  it('writes the dashboard and the rebalance preview in en and zh-CN', async () => {
    mkdirSync(dir, { recursive: true });
    const { workspaceId, today } = await dashboardWorkspace(nest.app, {
      slug: 'manager-screens',
      customers: 400,
    });
    const [manager] = await twoManagers(nest.app, workspaceId);
    const http = client(nest.app);
    const admin = await keyFor(nest.app, workspaceId, 'admin');
    // an experiment from today: a start in the past is refused (422)
    await http
      .post('/v1/experiments', admin, {
        name: 'spring-calls',
        holdoutShare: 0.2,
        startsOn: today,
      })
      .expect(201);
    // a morning's work for a few reps of the team, so the team table shows progress, reach and conversion
    const reps: Array<{ id: string }> = await nest.db.query(
      `SELECT r.id FROM reps r JOIN worklists w ON w.rep_id = r.id AND w.workspace_id = r.workspace_id
       WHERE r.workspace_id = $1 AND r.team_id = $2 AND r.role = 'rep' ORDER BY r.external_id LIMIT 4`,
      [workspaceId, manager.team_id],
    );
    for (const [n, r] of reps.entries()) {
      const key = await keyFor(nest.app, workspaceId, 'rep', r.id);
      const list = await http.get('/v1/me/worklist?limit=10', key).expect(200);
      const outcomes = ['reached', 'no_answer', 'converted', 'not_interested', 'reached'].slice(0, 2 + n);
      for (const [i, outcome] of outcomes.entries()) {
        await http.post(`/v1/worklist-items/${list.body.items[i].id}/outcome`, key, { outcome }).expect(201);
      }
    }
    const browser = await launchBrowser();
    nest.cleanup(() => browser.close());
    for (const locale of ['en', 'zh-CN']) {
      await nest.db.query(`UPDATE reps SET locale = $2 WHERE id = $1`, [manager.id, locale]);
      const minted = await http
        .post('/v1/embed-tokens', manager.key, { rep: manager.external_id, kind: 'manager' })
        .expect(201);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
      const page = await context.newPage();
      await page.goto(`${nest.url}${minted.body.path}`);
      await page.locator('#chart-portfolio[data-rendered="true"] canvas').waitFor();
      await page.locator('#chart-accuracy[data-rendered="true"] canvas').waitFor();
      await page.locator('#chart-segments[data-rendered="true"] canvas').waitFor();
      await page.locator('#chart-offers[data-rendered="true"] canvas').waitFor();
      await page.locator('#customers table').waitFor();
      await page.locator('#experiment table').waitFor();
      // a narrower search keeps the page short: active core customers
      // listen before acting: a response that arrives before waitForResponse is called is never seen (the run
      // then waits 30 s and fails, as it did once under load)
      const searched = page.waitForResponse((r) => r.url().includes('lifecycle=active'));
      await page.locator('select[name="tier"]').selectOption('core');
      await page.locator('select[name="lifecycle"]').selectOption('active');
      await page.locator('#search-form button[type="submit"]').click();
      await searched;
      await page.locator('#customers table').waitFor();
      await page.evaluate('window.scrollTo(0, 0)');
      const whole = join(dir, `manager-dashboard-${locale}.png`);
      await page.screenshot({ path: whole, fullPage: true });
      await page.locator('button[data-action="propose"]').click();
      await page.locator('.proposal').waitFor();
      // the preview below the load table, clear of the sticky header
      await page.evaluate(`window.scrollTo(0, document.getElementById('proposal').offsetTop - 90)`);
      const proposal = join(dir, `manager-rebalance-${locale}.png`);
      await page.screenshot({ path: proposal });
      await context.close();
      for (const file of [whole, proposal]) {
        const size = statSync(file).size;
        expect(size).toBeGreaterThan(10_000);
        expect(size).toBeLessThan(700_000);
      }
    }
  }, 300_000);
});
