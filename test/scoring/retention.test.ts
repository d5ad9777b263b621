import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScoreRunService, ScoreRunView } from '../../src/scoring/score-run.service';
import { SERVED_LIST_DAYS } from '../../src/scoring/steps/score-retention';
import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { queueBackends } from '../support/test-db';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { addDays, busiestRep, client, keyFor, scoredWorkspace } from '../worklist/worklist-support';

interface ListItem {
  id: string;
  customer: {
    valueTier: string | null;
    lifecycle: string | null;
    clv: number | null;
    churnRisk: number | null;
  };
}

/**
 * Issue 12, part 9: a published list keeps its scores for as long as it is served. The repro of the issue —
 * `score; publish --replace; score --no-publish; score --no-publish;` — left every item of today's lists with null
 * tiers, lifecycles, CLVs and churn risks (the lists' run had left the newest two), and the body cache answered
 * the same list differently by `limit`.
 */
describe.each(queueBackends())('published lists keep their scores (queues on $name)', ({ redisUrl }) => {
  const nest = useTestApp({ http: true, redis: redisUrl ?? false });
  let http: ReturnType<typeof client>;
  let workspaceId: string;
  let today: string;
  let adminKey: string;
  let repId: string;
  let listRunId: string;
  let before: { body: string; items: ListItem[]; detail: unknown };

  const listPath = () => `/v1/reps/${repId}/worklist?date=${today}&state=all`;

  beforeAll(async () => {
    http = client(nest.app);
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { customers: 400 }));
    adminKey = await keyFor(nest.app, workspaceId, 'admin');
  }, 180_000);

  it('keeps every item of a published list whole and identical through two more runs, whatever the limit', async () => {
    // score (publishing), then publish --replace
    const scored = await score(nest.app, workspaceId, today, true);
    await until(
      'the run to publish its lists',
      async () => (await listsOf(nest.db, workspaceId, today)).some((l) => l.score_run_id === scored.id),
      60_000,
    );
    const replaced = await nest.app.get(WorklistPublisher).publish(workspaceId, today, { replace: true });
    expect(replaced.lists).toBeGreaterThan(0);
    listRunId = replaced.runId;
    repId = (await busiestRep(nest.app, workspaceId, today)).rep.id;

    const first = await http.get(`${listPath()}&limit=200`, adminKey).expect(200);
    const items = first.body.items as ListItem[];
    expect(items.length).toBeGreaterThan(1);
    expect(items.every((i) => i.customer.valueTier !== null && i.customer.lifecycle !== null)).toBe(true);
    const detail = (await http.get(`/v1/worklist-items/${items[0].id}`, adminKey).expect(200)).body;
    expect(detail.scores).not.toBeNull();
    before = { body: first.text, items, detail };

    // score --no-publish; score --no-publish
    const second = await score(nest.app, workspaceId, today, false);
    const third = await score(nest.app, workspaceId, today, false);

    // the list answers as before, from the cache (limit=200) and from the database (limit=199) alike
    const again = await http.get(`${listPath()}&limit=200`, adminKey).expect(200);
    const fresh = await http.get(`${listPath()}&limit=199`, adminKey).expect(200);
    expect(again.text).toBe(before.body);
    expect(fresh.body.items).toEqual(before.items.slice(0, 199));
    expect(await hasScoresTable(nest.db, listRunId)).toBe(true);
    expect(third.report.droppedRuns).toEqual([]);
    expect(fresh.body.scoreRunId).toBe(listRunId);
    for (const item of fresh.body.items as ListItem[]) {
      expect(item.customer.valueTier).not.toBeNull();
      expect(item.customer.lifecycle).not.toBeNull();
      expect(item.customer.churnRisk).not.toBeNull();
    }
    const detailAgain = (await http.get(`/v1/worklist-items/${items[0].id}`, adminKey).expect(200)).body;
    expect(detailAgain).toEqual(before.detail);

    // a fourth run: the second run is referenced by no list and no longer among the newest two, so it goes
    const fourth = await score(nest.app, workspaceId, today, false);
    expect(fourth.report.droppedRuns).toEqual([second.id]);
    expect(await hasScoresTable(nest.db, second.id)).toBe(false);
    expect(await hasScoresTable(nest.db, third.id)).toBe(true);
    expect(await hasScoresTable(nest.db, listRunId)).toBe(true);
    expect((await http.get(`${listPath()}&limit=199`, adminKey).expect(200)).body.items).toEqual(
      before.items.slice(0, 199),
    );
  }, 240_000);

  it('answers 410 for a list no longer served, never items with empty scores nor a cached body', async () => {
    // lists published past the served window make today's lists unserved; the next run drops their run
    const later = addDays(today, SERVED_LIST_DAYS + 1);
    expect((await nest.app.get(WorklistPublisher).publish(workspaceId, later)).lists).toBeGreaterThan(0);
    const run = await score(nest.app, workspaceId, today, false);
    expect(run.report.droppedRuns).toContain(listRunId);
    expect(await hasScoresTable(nest.db, listRunId)).toBe(false);

    for (const limit of [200, 199]) {
      const res = await http.get(`${listPath()}&limit=${limit}`, adminKey).expect(410);
      expect(res.body.error).toMatchObject({
        code: 'worklist_expired',
        details: { date: today, scoreRunId: listRunId },
      });
    }
    const item = await http.get(`/v1/worklist-items/${before.items[0].id}`, adminKey).expect(410);
    expect(item.body.error.code).toBe('worklist_expired');
    // the lists of the later day are served, with their scores
    const served = await http.get(`/v1/reps/${repId}/worklist?date=${later}&state=all`, adminKey);
    if (served.status === 200) {
      for (const i of served.body.items as ListItem[]) expect(i.customer.valueTier).not.toBeNull();
    } else {
      expect(served.status).toBe(404); // the rep got no list that day
    }
  }, 240_000);
});

async function score(
  app: INestApplicationContext,
  workspaceId: string,
  asOf: string,
  publish: boolean,
): Promise<ScoreRunView & { report: { droppedRuns?: string[] } }> {
  const runs = app.get(ScoreRunService);
  const { run } = await runs.start({ workspaceId, asOf, trigger: 'test', publishWorklists: publish });
  const done = await runs.waitFor(workspaceId, run.id, undefined, 120_000);
  if (done.status !== 'completed') throw new Error(`score run ${done.status}: ${done.error}`);
  return done as ScoreRunView & { report: { droppedRuns?: string[] } };
}

function listsOf(
  db: DataSource,
  workspaceId: string,
  day: string,
): Promise<Array<{ id: string; score_run_id: string }>> {
  return db.query(`SELECT id, score_run_id FROM worklists WHERE workspace_id = $1 AND list_date = $2`, [
    workspaceId,
    day,
  ]);
}

async function hasScoresTable(db: DataSource, runId: string): Promise<boolean> {
  const [row] = await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    `customer_scores_r${runId.replace(/-/g, '')}`,
  ]);
  return row.present as boolean;
}
