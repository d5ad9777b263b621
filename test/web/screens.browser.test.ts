import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeInBrowser, launchBrowser } from '../support/browser';
import { useTestApp } from '../support/use-test-app';
import { client, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

/**
 * Screenshots of the rep workspace in en and zh-CN, list and drawer. `npm run screens` writes them to docs/screens/
 * (SCREENS_DIR); a plain test run writes them to a temporary directory and checks they are real, small images.
 */
describeInBrowser('rep workspace screenshots', () => {
  const nest = useTestApp({ http: true, redis: true });
  const dir = process.env.SCREENS_DIR ?? mkdtempSync(join(tmpdir(), 'callplan-screens-'));

  it('writes the list and the drawer in en and zh-CN', async () => {
    mkdirSync(dir, { recursive: true });
    const { workspaceId, today } = await scoredWorkspace(nest.app, { customers: 400 });
    await publish(nest.app, workspaceId, today);
    const http = client(nest.app);
    const browser = await launchBrowser();
    nest.cleanup(() => browser.close());
    for (const locale of ['en', 'zh-CN']) {
      const [rep] = await nest.db.query(
        `SELECT r.id, r.external_id FROM worklists w JOIN reps r ON r.id = w.rep_id
           JOIN worklist_items i ON i.worklist_id = w.id
         WHERE w.workspace_id = $1 AND w.list_date = $2 AND r.locale = $3 AND r.role = 'rep'
         GROUP BY r.id ORDER BY count(*) DESC, r.external_id LIMIT 1`,
        [workspaceId, today, locale],
      );
      const key = await keyFor(nest.app, workspaceId, 'rep', rep.id);
      const minted = await http.post('/v1/embed-tokens', key, { rep: rep.external_id }).expect(201);
      const context = await browser.newContext({ viewport: { width: 760, height: 900 }, locale });
      const page = await context.newPage();
      await page.goto(`${nest.url}${minted.body.path}`);
      // two items worked, so the page shows progress and done items
      for (const action of ['reached', 'no_answer']) {
        const row = page.locator('li.item[data-state="open"]').first();
        const id = await row.getAttribute('data-id');
        await row.locator(`button[data-action="${action}"]`).click();
        await page.locator(`li.item[data-id="${id}"][data-state="done"]`).waitFor();
      }
      await page.evaluate('window.scrollTo(0, 0)');
      const list = join(dir, `rep-workspace-${locale}.png`);
      await page.screenshot({ path: list });
      await page.locator('li.item[data-state="open"] button[data-action="open"]').first().click();
      await page.locator('#drawer-body section').first().waitFor();
      const drawer = join(dir, `rep-drawer-${locale}.png`);
      await page.screenshot({ path: drawer });
      await context.close();
      for (const file of [list, drawer]) {
        const size = statSync(file).size;
        expect(size).toBeGreaterThan(10_000);
        expect(size).toBeLessThan(400_000);
      }
    }
  }, 300_000);
});
