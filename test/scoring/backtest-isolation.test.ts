import { DataSource } from 'typeorm';
import { ScoreRunService, ScoreRunView } from '../../src/scoring/score-run.service';
import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { queueBackends } from '../support/test-db';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { addDays, busiestRep, client, keyFor, scoredWorkspace } from '../worklist/worklist-support';

/**
 * Issue 12, part 12: `score --as-of D` before the live snapshot's day is a backtest. It is kept as a run of its own
 * (readable by id, its scores too) and leaves the current run, the live scores and the published lists exactly as
 * they were; it drops no other run's scores and publishes nothing. A rerun for a day whose lists are published
 * keeps those lists and says so, with the command that replaces them.
 */
describe.each(queueBackends())(
  'a backtest leaves everything live alone (queues on $name)',
  ({ redisUrl }) => {
    const nest = useTestApp({ http: true, redis: redisUrl ?? false });
    let http: ReturnType<typeof client>;
    let workspaceId: string;
    let today: string;
    let adminKey: string;
    let liveRunId: string;
    let firstRunId: string;

    beforeAll(async () => {
      http = client(nest.app);
      ({ workspaceId, today } = await scoredWorkspace(nest.app, { customers: 400 }));
      adminKey = await keyFor(nest.app, workspaceId, 'admin');
      firstRunId = await currentRun(nest.db, workspaceId);
      const live = await score(workspaceId, today, true);
      liveRunId = live.id;
      await until(
        'the live run to publish its lists',
        async () => (await lists(nest.db, workspaceId)).includes(liveRunId),
        60_000,
      );
    }, 240_000);

    const score = async (workspaceId: string, asOf: string, publish?: boolean): Promise<ScoreRunView> => {
      const runs = nest.app.get(ScoreRunService);
      const { run } = await runs.start({ workspaceId, asOf, trigger: 'cli', publishWorklists: publish });
      const done = await runs.waitFor(workspaceId, run.id, undefined, 120_000);
      if (done.status !== 'completed') throw new Error(`score run ${done.status}: ${done.error}`);
      return done;
    };

    it('keeps the current run, the live scores and the published lists byte-identical', async () => {
      const repId = (await busiestRep(nest.app, workspaceId, today)).rep.id;
      const listPath = `/v1/reps/${repId}/worklist?date=${today}&state=all&limit=200`;
      const before = {
        state: await liveState(nest.db, workspaceId),
        list: (await http.get(listPath, adminKey).expect(200)).text,
      };
      expect(before.state.current).toBe(liveRunId);

      const backtestDay = addDays(today, -90);
      // as the CLI starts it: publishing is the default, and a backtest must not publish anyway
      const backtest = await score(workspaceId, backtestDay, true);
      // nothing reaches the call-list queue: give a wrongly queued publish job the time to show
      await new Promise((r) => setTimeout(r, 1_500));

      const after = await liveState(nest.db, workspaceId);
      expect(after).toEqual(before.state);
      expect((await http.get(listPath, adminKey).expect(200)).text).toBe(before.list);
      // the run before the live one keeps its scores too: the backtest dropped nobody's table
      expect(await hasScoresTable(nest.db, firstRunId)).toBe(true);
      expect(backtest).toMatchObject({ asOf: backtestDay, backtest: true, status: 'completed' });
      expect(backtest.report).toMatchObject({
        backtest: { liveRunId, liveAsOf: today, note: expect.stringContaining(`kept as run ${backtest.id}`) },
        history: { mode: 'none', rows: 0 },
        droppedPartitions: 0,
      });
      const [{ history }] = await nest.db.query(
        `SELECT count(*)::int AS history FROM score_history WHERE run_id = $1`,
        [backtest.id],
      );
      expect(history).toBe(0);

      // readable by id, with its scores
      const view = (await http.get(`/v1/score-runs/${backtest.id}`, adminKey).expect(200)).body;
      expect(view).toMatchObject({ id: backtest.id, asOf: backtestDay, backtest: true });
      const all: Array<{ customerId: string; valueTier: string }> = [];
      let from: string | null = '0';
      while (from !== null) {
        const page: { body: { items: typeof all; nextAfter: string | null } } = await http
          .get(`/v1/score-runs/${backtest.id}/scores?limit=150&after=${from}`, adminKey)
          .expect(200);
        expect(page.body).toMatchObject({ runId: backtest.id, asOf: backtestDay, backtest: true });
        all.push(...page.body.items);
        from = page.body.nextAfter;
      }
      expect(all).toHaveLength(backtest.customersTotal);
      expect(new Set(all.map((s) => s.customerId)).size).toBe(all.length);
      const [{ n }] = await nest.db.query(
        `SELECT count(*)::int AS n FROM customer_scores WHERE run_id = $1`,
        [backtest.id],
      );
      expect(n).toBe(backtest.customersTotal);
      // bad paging input is named
      const bad = await http.get(`/v1/score-runs/${backtest.id}/scores?after=x`, adminKey).expect(400);
      expect(JSON.stringify(bad.body.error)).toMatch(/after/);
    }, 240_000);

    it('a rerun for a day whose lists are published keeps them and says how to replace them', async () => {
      const before = await liveState(nest.db, workspaceId);
      const rerun = await score(workspaceId, today, true);
      expect(rerun.backtest).toBe(false);
      const worklists = (rerun.report as { worklists: { keptLists: number; note: string } }).worklists;
      expect(worklists.keptLists).toBe(before.lists.length);
      expect(worklists.note).toContain(`callplan publish --date ${today} --replace`);
      expect(worklists.note).toContain(liveRunId);
      // the publish job runs and keeps every list as it was (it only makes lists for reps without one)
      await new Promise((r) => setTimeout(r, 1_500));
      const after = await liveState(nest.db, workspaceId);
      expect(after.current).toBe(rerun.id);
      expect(after.lists).toEqual(before.lists);
      expect(after.items).toBe(before.items);
      // the lists' run keeps its scores: its lists are served
      expect(await hasScoresTable(nest.db, liveRunId)).toBe(true);

      // and the command the note names replaces them from the rerun, with one worklist.published per list
      const published = await events(nest.db, workspaceId, 'worklist.published');
      const report = await nest.app.get(WorklistPublisher).publish(workspaceId, today, { replace: true });
      expect(report.runId).toBe(rerun.id);
      expect(await events(nest.db, workspaceId, 'worklist.published')).toBe(published + report.lists);
    }, 240_000);
  },
);

async function currentRun(db: DataSource, workspaceId: string): Promise<string> {
  const [row] = await db.query(`SELECT current_score_run_id FROM workspaces WHERE id = $1`, [workspaceId]);
  return row.current_score_run_id as string;
}

async function lists(db: DataSource, workspaceId: string): Promise<string[]> {
  const rows = await db.query(`SELECT DISTINCT score_run_id FROM worklists WHERE workspace_id = $1`, [
    workspaceId,
  ]);
  return rows.map((r: { score_run_id: string }) => r.score_run_id);
}

async function events(db: DataSource, workspaceId: string, type: string): Promise<number> {
  const [{ n }] = await db.query(
    `SELECT count(*)::int AS n FROM outbox_events WHERE workspace_id = $1 AND event_type = $2`,
    [workspaceId, type],
  );
  return n as number;
}

/**
 * Everything live, as text: the current run, a digest of every column of its scores, every list and a digest of
 * every item, and the outbox's count of scores.updated and worklist.published events.
 */
async function liveState(db: DataSource, workspaceId: string) {
  const current = await currentRun(db, workspaceId);
  const [{ scores }] = await db.query(
    `SELECT md5(string_agg(s::text, E'\\n' ORDER BY s.customer_id)) AS scores
     FROM customer_scores s WHERE s.run_id = $1`,
    [current],
  );
  const lists: Array<Record<string, unknown>> = await db.query(
    `SELECT w::text AS row FROM worklists w WHERE w.workspace_id = $1 ORDER BY w.id`,
    [workspaceId],
  );
  const [{ items }] = await db.query(
    `SELECT md5(string_agg(i::text, E'\\n' ORDER BY i.id)) AS items
     FROM worklist_items i WHERE i.workspace_id = $1`,
    [workspaceId],
  );
  return {
    current,
    scores: scores as string,
    lists,
    items: items as string,
    scoresUpdated: await events(db, workspaceId, 'scores.updated'),
    published: await events(db, workspaceId, 'worklist.published'),
  };
}

async function hasScoresTable(db: DataSource, runId: string): Promise<boolean> {
  const [row] = await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    `customer_scores_r${runId.replace(/-/g, '')}`,
  ]);
  return row.present as boolean;
}
