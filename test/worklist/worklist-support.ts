import { INestApplication, INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { Role } from '../../src/auth/api-key.entity';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { addDays } from '../../src/worklist/zoned-time';
import { todayIn } from '../../src/workspaces/workspaces.service';
import { seedCrm } from '../support/crm-fixture';

export const TZ = 'Asia/Shanghai';

/** A scored synthetic workspace, as of today, with worklist settings that do not depend on the weekday. */
export async function scoredWorkspace(
  app: INestApplicationContext,
  opts: { slug?: string; customers?: number; worklist?: Record<string, unknown> } = {},
): Promise<{ workspaceId: string; today: string }> {
  const today = todayIn(TZ);
  const { workspaceId } = await seedCrm(app, {
    slug: opts.slug,
    customers: opts.customers ?? 800,
    asOf: today,
  });
  const worklist = opts.worklist ?? { businessHours: { business: { days: [1, 2, 3, 4, 5, 6, 7] } } };
  await app
    .get(DataSource)
    .query(`UPDATE workspaces SET settings = jsonb_set(settings, '{worklist}', $2::jsonb) WHERE id = $1`, [
      workspaceId,
      JSON.stringify(worklist),
    ]);
  const runs = app.get(ScoreRunService);
  const { run } = await runs.start({ workspaceId, asOf: today, trigger: 'test', publishWorklists: false });
  const done = await runs.waitFor(workspaceId, run.id, undefined, 120_000);
  if (done.status !== 'completed') throw new Error(`score run ${done.status}: ${done.error}`);
  return { workspaceId, today };
}

export function publish(app: INestApplicationContext, workspaceId: string, day: string) {
  return app.get(WorklistPublisher).publish(workspaceId, day);
}

export async function keyFor(
  app: INestApplicationContext,
  workspaceId: string,
  role: Role,
  repId: string | null = null,
): Promise<string> {
  return (await app.get(ApiKeysService).create({ workspaceId, name: `test ${role}`, role, repId })).key;
}

/** The rep (role rep) with the longest list on `day`, with their manager and a manager of another team. */
export async function busiestRep(app: INestApplicationContext, workspaceId: string, day: string) {
  const sql = app.get(DataSource);
  const [rep] = await sql.query(
    `SELECT r.id, r.external_id, r.team_id, r.manager_id, count(i.id)::int AS n
     FROM worklists w JOIN reps r ON r.id = w.rep_id JOIN worklist_items i ON i.worklist_id = w.id
     WHERE w.workspace_id = $1 AND w.list_date = $2 AND r.locale = 'zh-CN'
     GROUP BY r.id
     ORDER BY n DESC, (SELECT count(*) FROM customers c WHERE c.owner_rep_id = r.id) DESC, r.external_id LIMIT 1`,
    [workspaceId, day],
  );
  const [other] = await sql.query(
    `SELECT id, external_id FROM reps WHERE workspace_id = $1 AND role = 'rep' AND id <> $2 AND team_id = $3 LIMIT 1`,
    [workspaceId, rep.id, rep.team_id],
  );
  const [otherManager] = await sql.query(
    `SELECT id FROM reps WHERE workspace_id = $1 AND role = 'manager' AND team_id IS DISTINCT FROM $2 LIMIT 1`,
    [workspaceId, rep.team_id],
  );
  return { rep, other, managerId: rep.manager_id as string, otherManagerId: otherManager.id as string };
}

export function client(app: INestApplication) {
  const server = app.getHttpServer();
  return {
    get: (path: string, key: string, headers: Record<string, string> = {}) =>
      request(server).get(path).set('Authorization', `Bearer ${key}`).set(headers),
    post: (path: string, key: string, body: object) =>
      request(server).post(path).set('Authorization', `Bearer ${key}`).send(body),
    delete: (path: string, key: string) => request(server).delete(path).set('Authorization', `Bearer ${key}`),
  };
}

/** `day` at a wall-clock time in the workspace zone, as an ISO string with offset. */
export function at(day: string, clock: string): string {
  return `${day}T${clock}:00+08:00`;
}

export { addDays };
