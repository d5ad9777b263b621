import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { todayIn } from '../../src/workspaces/workspaces.service';
import { seedCrm } from '../support/crm-fixture';
import { addDays, keyFor, publish, TZ } from '../worklist/worklist-support';

/**
 * A workspace for the manager dashboard: a synthetic CRM scored twice, two months apart (so there are movements
 * between the runs and a backtest per run), today's lists published, every weekday a working day.
 */
export async function dashboardWorkspace(
  app: INestApplicationContext,
  opts: { slug: string; customers: number },
): Promise<{ workspaceId: string; today: string }> {
  const today = todayIn(TZ);
  const { workspaceId } = await seedCrm(app, { slug: opts.slug, customers: opts.customers, asOf: today });
  await app
    .get(DataSource)
    .query(`UPDATE workspaces SET settings = jsonb_set(settings, '{worklist}', $2::jsonb) WHERE id = $1`, [
      workspaceId,
      JSON.stringify({ businessHours: { business: { days: [1, 2, 3, 4, 5, 6, 7] } } }),
    ]);
  const runs = app.get(ScoreRunService);
  for (const asOf of [addDays(today, -60), today]) {
    const { run } = await runs.start({ workspaceId, asOf, trigger: 'test', publishWorklists: false });
    const done = await runs.waitFor(workspaceId, run.id, undefined, 120_000);
    if (done.status !== 'completed') throw new Error(`score run ${done.status}: ${done.error}`);
  }
  await publish(app, workspaceId, today);
  return { workspaceId, today };
}

/** The managers of the two largest teams, each with a manager key of their own. */
export async function twoManagers(app: INestApplicationContext, workspaceId: string) {
  const rows: Array<{ id: string; external_id: string; team_id: string }> = await app.get(DataSource).query(
    `SELECT m.id, m.external_id, m.team_id FROM reps m
     WHERE m.workspace_id = $1 AND m.role = 'manager' AND m.team_id IS NOT NULL
     ORDER BY (SELECT count(*) FROM reps r WHERE r.team_id = m.team_id) DESC, m.external_id LIMIT 2`,
    [workspaceId],
  );
  return Promise.all(rows.map(async (m) => ({ ...m, key: await keyFor(app, workspaceId, 'manager', m.id) })));
}
