import { INestApplication } from '@nestjs/common';
import { JobQueue, queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import { client, Org } from '../assignments/factory';
import { useTestApp } from '../support/use-test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies

/** GET/PATCH /v1/workspace over HTTP on PostgreSQL: roles, validation with field paths, audit, warnings, schedules. */
describe('workspace settings API (HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let org: Org;
  let call: ReturnType<typeof client>;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    call = client(nest.app as INestApplication);
    org = await Org.create(nest.app, 'settings');
    await org.team('north');
    await org.rep('mgr', { team: 'north', role: 'manager' });
    await org.rep('ann', { team: 'north', manager: 'mgr' });
    keys.admin = await org.key('admin');
    keys.integration = await org.key('integration');
    keys.manager = await org.key('manager', 'mgr');
    keys.rep = await org.key('rep', 'ann');
    const other = await Org.create(nest.app, 'settings-other');
    keys.otherAdmin = await other.key('admin');
  });

  const auditRows = () =>
    nest.db.query(
      `SELECT actor, action, subject, details FROM audit_log WHERE workspace_id = $1 AND action LIKE 'workspace.%' ORDER BY id`,
      [org.workspaceId],
    );

  it('shows the workspace with every setting filled in to admins and integrations only', async () => {
    const admin = await call(keys.admin)<Json>('GET', '/v1/workspace');
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({
      id: org.workspaceId,
      slug: 'settings',
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      locale: 'zh-CN',
      scoringCron: '0 2 * * *',
      overrides: {},
      invalid: [],
    });
    expect(admin.body.settings.worklist.contactCaps.core).toEqual({ maxCalls: 1, perDays: 3 });
    expect(admin.body.settings.pool.sweepCron).toBe('30 6 * * *');
    expect(admin.body.settings.assignments.workingDays).toBe(20);
    expect(admin.body.settings.scoring).toMatchObject({ minCycleDays: 7, margin: 1, abcCutA: 0.7 });
    expect((await call(keys.integration)('GET', '/v1/workspace')).status).toBe(200);
    expect((await call(keys.manager)('GET', '/v1/workspace')).status).toBe(403);
    expect((await call(keys.rep)('GET', '/v1/workspace')).status).toBe(403);
    expect((await call(null)('GET', '/v1/workspace')).status).toBe(401);
    const other = await call(keys.otherAdmin)<Json>('GET', '/v1/workspace');
    expect(other.body.slug).toBe('settings-other');
  });

  it('lets only admins change it', async () => {
    for (const role of ['rep', 'manager', 'integration']) {
      const res = await call(keys[role])<Json>('PATCH', '/v1/workspace', { locale: 'en' });
      expect([role, res.status]).toEqual([role, 403]);
    }
    expect((await auditRows()).length).toBe(0);
  });

  it('refuses a body of the wrong shape with 400 and the field path', async () => {
    const res = await call(keys.admin)<Json>('PATCH', '/v1/workspace', { timezone: 8, currencyy: 'USD' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.details.map((d: Json) => d.path).sort();
    expect(paths).toEqual(['(root)', 'timezone']);
    expect(JSON.stringify(res.body.error.details)).toContain('currencyy');
    // what PostgreSQL cannot store is refused at the edge, not as a 500 from the UPDATE
    const nul = await call(keys.admin)<Json>('PATCH', '/v1/workspace', {
      settings: { pool: { sweepCron: '0 6 * * \u0000' } },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.error.details.map((d: Json) => d.path)).toEqual(['settings.pool.sweepCron']);
    const name = await call(keys.admin)<Json>('PATCH', '/v1/workspace', { name: 'Acme\u0000' });
    expect(name.status).toBe(400);
    expect(name.body.error.details.map((d: Json) => d.path)).toEqual(['name']);
  });

  it('refuses invalid values with 422 naming every field path, and changes nothing', async () => {
    const res = await call(keys.admin)<Json>('PATCH', '/v1/workspace', {
      timezone: 'Asia/Shangai',
      currency: 'RMB',
      locale: 'fr',
      scoringCron: '0 2 * *',
      settings: {
        worklist: { contactCaps: { core: { maxCalls: 0 } } },
        pool: { dailyClaimLimit: -1 },
        assignments: { rebalanceTolerance: 5 },
        scoring: { churnPAlive: 0.9, atRiskPAlive: 0.5 },
        nonsense: { a: 1 },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_settings');
    const byPath = Object.fromEntries(res.body.error.details.map((d: Json) => [d.path, d.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'timezone',
        'currency',
        'locale',
        'scoringCron',
        'settings.worklist.contactCaps.core.maxCalls',
        'settings.pool.dailyClaimLimit',
        'settings.assignments.rebalanceTolerance',
        'settings.scoring.churnPAlive',
        'settings.nonsense',
      ].sort(),
    );
    expect(byPath.timezone).toMatch(/did you mean Asia\/Shanghai/);
    const after = await call(keys.admin)<Json>('GET', '/v1/workspace');
    expect(after.body).toMatchObject({ timezone: 'Asia/Shanghai', currency: 'CNY', overrides: {} });
    expect((await auditRows()).length).toBe(0);
  });

  it('applies a change, audits before and after, and re-registers the nightly schedule', async () => {
    const res = await call(keys.admin)<Json>('PATCH', '/v1/workspace', {
      name: 'Settings GmbH',
      locale: 'en',
      scoringCron: '30 1 * * *',
      settings: {
        worklist: {
          contactCaps: { core: { maxCalls: 2, perDays: 7 } },
          businessHours: { business: { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5] } },
        },
        pool: { sweepCron: '0 6 * * *' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.workspace).toMatchObject({
      name: 'Settings GmbH',
      locale: 'en',
      scoringCron: '30 1 * * *',
    });
    expect(res.body.workspace.settings.worklist.contactCaps.core).toEqual({ maxCalls: 2, perDays: 7 });
    expect(res.body.workspace.settings.worklist.contactCaps.potential).toEqual({ maxCalls: 1, perDays: 5 });
    expect(res.body.changed).toMatchObject({
      locale: { before: 'zh-CN', after: 'en' },
      scoringCron: { before: '0 2 * * *', after: '30 1 * * *' },
      'settings.worklist.contactCaps.core.maxCalls': { before: '(default)', after: 2 },
      'settings.pool.sweepCron': { before: '(default)', after: '0 6 * * *' },
    });
    expect(res.body.warnings).toEqual([
      'the nightly scoring run is now scheduled at "30 1 * * *" Asia/Shanghai',
    ]);

    const [row] = await auditRows();
    expect(row.action).toBe('workspace.settings_changed');
    expect(row.actor).toMatch(/^key:/);
    expect(row.subject).toBe(`workspace:${org.workspaceId}`);
    expect(row.details.changed.locale).toEqual({ before: 'zh-CN', after: 'en' });

    const scoring = nest.app.get<JobQueue<'scoring'>>(queueToken(QUEUES.scoring));
    const nightly = await scoring.getJobScheduler(`nightly-score-${org.workspaceId}`);
    expect(nightly).toMatchObject({ pattern: '30 1 * * *', tz: 'Asia/Shanghai' });
    const assignments = nest.app.get<JobQueue<'assignments'>>(queueToken(QUEUES.assignments));
    const sweep = await assignments.getJobScheduler(`pool-sweep-${org.workspaceId}`);
    expect(sweep).toMatchObject({ pattern: '0 6 * * *', tz: 'Asia/Shanghai' });

    // the rooms read what was stored: the pool endpoint serves the new sweep time
    const pool = await call(keys.admin)<Json>('GET', '/v1/pool/settings');
    expect(pool.body.sweepCron).toBe('0 6 * * *');
  });

  it('answers an unchanged value with nothing changed and writes no audit entry', async () => {
    const before = (await auditRows()).length;
    const res = await call(keys.admin)<Json>('PATCH', '/v1/workspace', { locale: 'en' });
    expect(res.status).toBe(200);
    expect(res.body.changed).toEqual({});
    expect((await auditRows()).length).toBe(before);
  });

  it('says what a currency and time-zone change does to the orders held', async () => {
    await org.rep('bob', { team: 'north' });
    const customers = await org.customers('c', 3, 'bob');
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'o-' || g, $2, now() - g * interval '1 day', 1000, CASE WHEN g <= 9812 THEN 'CNY' ELSE 'USD' END, 'paid'
       FROM generate_series(1, 9815) g`,
      [org.workspaceId, customers[0]],
    );
    await org.scores();
    const res = await call(keys.admin)<Json>('PATCH', '/v1/workspace', {
      currency: 'USD',
      timezone: 'Europe/Berlin',
    });
    expect(res.status).toBe(200);
    expect(res.body.warnings[0]).toBe(
      'currency changed from CNY to USD: 9,812 orders in CNY will be left out of scoring until the currency is changed back or they are re-imported in USD; 3 of 9,815 orders are in USD',
    );
    expect(res.body.warnings[1]).toMatch(/^time zone changed from Asia\/Shanghai to Europe\/Berlin/);
    expect(res.body.warnings).toContain(
      'scores are recomputed at the next run (customer summaries are rebuilt); until then the current scores, computed under the old setting, stay in use',
    );
    const audit = (await auditRows()).at(-1);
    expect(audit.details.changed.currency).toEqual({ before: 'CNY', after: 'USD' });
    expect(audit.details.warnings).toEqual(res.body.warnings);
    const scoring = nest.app.get<JobQueue<'scoring'>>(queueToken(QUEUES.scoring));
    expect(await scoring.getJobScheduler(`nightly-score-${org.workspaceId}`)).toMatchObject({
      tz: 'Europe/Berlin',
    });
  });
});
