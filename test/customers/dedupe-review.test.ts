import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { DedupeService } from '../../src/customers/dedupe/dedupe.service';
import { CustomerMergeService } from '../../src/customers/merge/customer-merge.service';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * Issue 10, part 5: a shared key alone never merges two different people. The two cases of the issue (companies
 * on one switchboard, a family email) end as review candidates; a true duplicate (the same name in pinyin) still
 * merges; an info@ address of six companies is ignored. Candidates are listed, accepted and rejected over HTTP.
 */
describe('dedupe review candidates (PostgreSQL, HTTP)', () => {
  const nest = useTestApp({ http: true });
  let ws: string;
  let dir: string;
  let keys: { admin: string; manager: string; rep: string };
  const http = () => request(nest.app.getHttpServer());

  const REPS = [
    'external_id,name,email,role,team,manager_external_id,daily_capacity,locale',
    'mgr-a,Manager A,mgr.a@sales.example.com,manager,team-a,,10,zh-CN',
    'rep-a,Rep A,rep.a@sales.example.com,rep,team-a,mgr-a,20,zh-CN',
    'rep-b,Rep B,rep.b@sales.example.com,rep,team-b,,20,zh-CN',
  ];
  const HEADER = 'external_id,name,kind,email,phone,region,country,industry,owner_rep,created_at,personality';
  const CUSTOMERS = [
    HEADER,
    // the switchboard: two companies, different names and emails, one phone
    'biz-anta,北京安泰制造有限公司,business,sales@anta.example.com,+86 10 1234 5678,North China,CN,manufacturing,rep-a,2024-01-01T00:00:00Z,',
    'biz-huas,上海华盛贸易有限公司,business,office@huasheng.example.com,+86 10 1234 5678,East China,CN,wholesale,rep-b,2024-02-01T00:00:00Z,',
    // the family email: two people
    'ind-lina,李娜,individual,family.li@example.com,13800138001,East China,CN,,rep-b,2024-01-05T00:00:00Z,',
    'ind-wq,王强,individual,family.li@example.com,13900139002,East China,CN,,rep-b,2024-03-05T00:00:00Z,',
    // a true duplicate: the same person in characters and in pinyin, one phone
    'ind-zw1,张伟,individual,,138 0013 8003,East China,CN,,rep-a,2024-01-07T00:00:00Z,',
    'ind-zw2,Zhang Wei,individual,zhang.wei@example.com,+86 138-0013-8003,East China,CN,,rep-a,2024-05-07T00:00:00Z,',
    // info@ of six companies: not an identity
    ...[1, 2, 3, 4, 5, 6].map(
      (n) =>
        `biz-info${n},Company ${'ABCDEF'[n - 1]} Ltd,business,info@shared.example.com,,East China,CN,retail,rep-a,2024-01-0${n}T00:00:00Z,`,
    ),
  ];

  const candidates = async (key: string, query: Record<string, string | number> = {}) =>
    (await http().get('/v1/merge-candidates').query(query).set('authorization', `Bearer ${key}`).expect(200))
      .body as {
      items: Array<{
        id: string;
        status: string;
        shared: string[];
        customers: Array<{ externalId: string; name: string | null; currentId: string }>;
        mergeId: string | null;
      }>;
      nextBefore: string | null;
    };
  const pairOf = (c: { customers: Array<{ externalId: string }> }) =>
    c.customers
      .map((x) => x.externalId)
      .sort()
      .join('+');

  beforeAll(async () => {
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'dedupe-review' })).id;
    dir = mkdtempSync(join(tmpdir(), 'callplan-dedupe-review-'));
    writeFileSync(join(dir, 'reps.csv'), REPS.join('\n') + '\n');
    writeFileSync(join(dir, 'customers.csv'), CUSTOMERS.join('\n') + '\n');
    await nest.app
      .get(CsvImportService)
      .import({ workspaceId: ws, kind: 'reps', file: join(dir, 'reps.csv') });
    const [mgr] = await nest.db.query(
      `SELECT id FROM reps WHERE workspace_id = $1 AND external_id = 'mgr-a'`,
      [ws],
    );
    const [rep] = await nest.db.query(
      `SELECT id FROM reps WHERE workspace_id = $1 AND external_id = 'rep-b'`,
      [ws],
    );
    const apiKeys = nest.app.get(ApiKeysService);
    keys = {
      admin: (await apiKeys.create({ workspaceId: ws, name: 'admin', role: 'admin' })).key,
      manager: (await apiKeys.create({ workspaceId: ws, name: 'mgr', role: 'manager', repId: mgr.id })).key,
      rep: (await apiKeys.create({ workspaceId: ws, name: 'rep', role: 'rep', repId: rep.id })).key,
    };
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the import merges only the corroborated duplicate and proposes the two look-alike pairs', async () => {
    const report = await nest.app
      .get(CsvImportService)
      .import({ workspaceId: ws, kind: 'customers', file: join(dir, 'customers.csv') });
    expect(report.dedupe).toMatchObject({
      merged: 1,
      proposed: 2,
      awaitingReview: 2,
      sharedKeysIgnored: 1,
      failed: 0,
    });
    const merged: Array<{ loser: string; winner: string; reason: string }> = await nest.db.query(
      `SELECT l.external_id AS loser, w.external_id AS winner, m.reason FROM customer_merges m
       JOIN customers l ON l.id = m.loser_id JOIN customers w ON w.id = m.winner_id WHERE m.workspace_id = $1`,
      [ws],
    );
    expect(merged).toEqual([{ loser: 'ind-zw2', winner: 'ind-zw1', reason: 'same_phone' }]);
    // a dry run after it finds nothing new
    expect(await nest.app.get(DedupeService).run(ws, { dryRun: true })).toMatchObject({
      candidates: 0,
      proposed: 0,
      awaitingReview: 2,
    });
    const [{ live }] = await nest.db.query(
      `SELECT count(*)::int AS live FROM customers WHERE workspace_id = $1 AND merged_into_id IS NULL`,
      [ws],
    );
    expect(live).toBe(CUSTOMERS.length - 2); // header, and the one duplicate
  });

  it('lists candidates to admins, to managers those touching their team, never to reps', async () => {
    await http().get('/v1/merge-candidates').expect(401);
    await http().get('/v1/merge-candidates').set('authorization', `Bearer ${keys.rep}`).expect(403);
    await http()
      .get('/v1/merge-candidates')
      .query({ status: 'maybe' })
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(400);
    const all = await candidates(keys.admin, { status: 'pending' });
    expect(all.items.map(pairOf).sort()).toEqual(['biz-anta+biz-huas', 'ind-lina+ind-wq']);
    expect(all.items.find((c) => pairOf(c) === 'ind-lina+ind-wq')!.shared).toEqual(['email']);
    expect(all.items.find((c) => pairOf(c) === 'biz-anta+biz-huas')!.shared).toEqual(['phone']);

    // paged
    const first = await candidates(keys.admin, { limit: 1 });
    expect(first.items).toHaveLength(1);
    const second = await candidates(keys.admin, { limit: 1, before: first.nextBefore! });
    expect(second.items.map(pairOf)).not.toEqual(first.items.map(pairOf));

    // team A owns biz-anta only: the switchboard pair, with the other team's customer's name withheld
    const mine = await candidates(keys.manager);
    expect(mine.items.map(pairOf)).toEqual(['biz-anta+biz-huas']);
    const names = Object.fromEntries(mine.items[0].customers.map((c) => [c.externalId, c.name]));
    expect(names).toEqual({ 'biz-anta': '北京安泰制造有限公司', 'biz-huas': null });
  });

  it('reject keeps the two apart for good; deciding twice or out of scope is refused', async () => {
    const family = (await candidates(keys.admin)).items.find((c) => pairOf(c) === 'ind-lina+ind-wq')!;
    await http()
      .post(`/v1/merge-candidates/${family.id}/reject`)
      .set('authorization', `Bearer ${keys.manager}`)
      .expect(404)
      .expect((r) => expect(r.body.error.code).toBe('not_found'));
    const rejected = await http()
      .post(`/v1/merge-candidates/${family.id}/reject`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: expect.stringMatching(/^key:/) });
    await http()
      .post(`/v1/merge-candidates/${family.id}/accept`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(409)
      .expect((r) => expect(r.body.error.code).toBe('candidate_decided'));
    await http()
      .post(`/v1/merge-candidates/00000000-0000-4000-8000-000000000000/accept`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(404);
    await http()
      .post(`/v1/merge-candidates/not-a-uuid/accept`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(400);

    const again = await nest.app.get(DedupeService).run(ws);
    expect(again).toMatchObject({ merged: 0, proposed: 0, awaitingReview: 1 });
    const [row] = await nest.db.query(`SELECT status FROM merge_candidates WHERE id = $1`, [family.id]);
    expect(row.status).toBe('rejected');
  });

  it('accept merges the two (older wins, audited, undoable); an undone accept is not proposed again', async () => {
    const board = (await candidates(keys.manager)).items[0];
    const accepted = await http()
      .post(`/v1/merge-candidates/${board.id}/accept`)
      .set('authorization', `Bearer ${keys.manager}`)
      .expect(200);
    expect(accepted.body.status).toBe('accepted');
    const [merge] = await nest.db.query(
      `SELECT m.id, m.reason, m.actor, w.external_id AS winner, l.external_id AS loser FROM customer_merges m
       JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id WHERE m.id = $1`,
      [accepted.body.mergeId],
    );
    expect(merge).toMatchObject({ reason: 'reviewed', winner: 'biz-anta', loser: 'biz-huas' });
    expect(merge.actor).toMatch(/^rep:/);
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = 'merge_candidate.accepted'`,
      [ws],
    );
    expect(n).toBe(1);

    await http().post(`/v1/merges/${merge.id}/undo`).set('authorization', `Bearer ${keys.admin}`).expect(200);
    expect(await nest.app.get(DedupeService).run(ws)).toMatchObject({
      merged: 0,
      proposed: 0,
      awaitingReview: 0,
    });
  });

  it('a candidate whose customers became one another way is superseded', async () => {
    const file = join(dir, 'more.csv');
    writeFileSync(
      file,
      [
        HEADER,
        'ind-p1,Chen Jie,individual,,13700137004,East China,CN,,rep-a,2024-01-01T00:00:00Z,',
        'ind-p2,Liu Yang,individual,,13700137004,East China,CN,,rep-a,2024-01-02T00:00:00Z,',
      ].join('\n') + '\n',
    );
    const report = await nest.app.get(CsvImportService).import({ workspaceId: ws, kind: 'customers', file });
    expect(report.dedupe).toMatchObject({ merged: 0, proposed: 1 });
    const pending = (await candidates(keys.admin, { status: 'pending' })).items;
    expect(pending.map(pairOf)).toEqual(['ind-p1+ind-p2']);
    const ids = pending[0].customers.map((c) => c.currentId);
    await nest.app
      .get(CustomerMergeService)
      .merge({ workspaceId: ws, winnerId: ids[0], loserId: ids[1], reason: 'crm', actor: 'test' });
    await http()
      .post(`/v1/merge-candidates/${pending[0].id}/accept`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(409)
      .expect((r) => expect(r.body.error.code).toBe('candidate_superseded'));
    const [row] = await nest.db.query(`SELECT status FROM merge_candidates WHERE id = $1`, [pending[0].id]);
    expect(row.status).toBe('pending'); // the 409 rolled back with the request; the next run closes it
    expect(await nest.app.get(DedupeService).run(ws)).toMatchObject({ superseded: 1, awaitingReview: 0 });
  });
});
