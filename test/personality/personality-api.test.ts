import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { Transactions } from '../../src/database/transactions';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { PersonalityService } from '../../src/personality/personality.service';
import { QUESTIONNAIRE } from '../../src/personality/questionnaire';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

interface ProfileValue {
  value: string;
  source: string;
  confidence: number;
  recordedConfidence: number;
  actor: { kind: string; id: string | null };
}
interface ProfileBody {
  customerId: string;
  type: string | null;
  profile: Record<string, ProfileValue | null>;
  history: Array<{
    dimension: string;
    value: string;
    source: string;
    counts: boolean;
    actor: { kind: string };
  }>;
}

/**
 * Personality with provenance through HTTP and the real CSV importer: a rep's tag beats the CRM's value on every
 * re-import (whatever the field ownership), the history keeps both, the questionnaire round trip, and the scope.
 */
describe('personality profile (PostgreSQL, HTTP)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let dir: string;
  let n = 0;
  let ws: string;
  let ids: Map<string, string>;
  let rep1: string;
  let rep2Key: string;
  let integrationKey: string;

  const file = (text: string) => {
    const path = join(dir, `f${++n}.csv`);
    writeFileSync(path, text);
    return path;
  };
  const importCustomers = (personality: string) =>
    nest.app.get(CsvImportService).import({
      workspaceId: ws,
      kind: 'customers',
      file: file(`external_id,name,owner_rep,personality\nC1,Acme,R1,${personality}\nC2,Bolt,R2,\n`),
      dedupe: false,
    });
  const call = (key: string, method: string, path: string, body?: unknown) =>
    fetch(`${nest.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const stored = async (externalId: string) =>
    (
      (await nest.db.query(
        `SELECT personality, personality_set_by FROM customers WHERE workspace_id = $1 AND external_id = $2`,
        [ws, externalId],
      )) as Array<{ personality: string | null; personality_set_by: string | null }>
    )[0];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'personality-api-'));
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'personality-api' })).id;
    await nest.app.get(CsvImportService).import({
      workspaceId: ws,
      kind: 'reps',
      file: file('external_id,name\nR1,Rep One\nR2,Rep Two\n'),
    });
    await importCustomers('stable');
    const rows = (await nest.db.query(
      `SELECT id::text, external_id FROM customers WHERE workspace_id = $1
       UNION ALL SELECT id::text, external_id FROM reps WHERE workspace_id = $1`,
      [ws],
    )) as Array<{ id: string; external_id: string }>;
    ids = new Map(rows.map((r) => [r.external_id, String(r.id)]));
    const keys = nest.app.get(ApiKeysService);
    rep1 = (await keys.create({ workspaceId: ws, name: 'r1', role: 'rep', repId: ids.get('R1') })).key;
    rep2Key = (await keys.create({ workspaceId: ws, name: 'r2', role: 'rep', repId: ids.get('R2') })).key;
    integrationKey = (await keys.create({ workspaceId: ws, name: 'crm', role: 'integration' })).key;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an imported personality is a crm_import guess with its confidence and who', async () => {
    const res = await call(rep1, 'GET', `/v1/customers/${ids.get('C1')}/personality`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ProfileBody;
    expect(body.type).toBe('stable');
    expect(body.profile.type).toMatchObject({
      value: 'stable',
      source: 'crm_import',
      recordedConfidence: 0.6,
      actor: { kind: 'csv', id: null },
    });
    expect(body.profile.social).toBeNull();
    expect(body.history).toHaveLength(1);
  });

  it("a rep's tag beats the import, and re-imports never revert it (even with field ownership 'crm')", async () => {
    const put = await call(rep1, 'PUT', `/v1/customers/${ids.get('C1')}/personality`, {
      type: 'leader',
      communication: 'direct',
    });
    expect(put.status).toBe(200);
    const tagged = (await put.json()) as ProfileBody;
    expect(tagged.profile.type).toMatchObject({
      value: 'leader',
      source: 'rep_tag',
      recordedConfidence: 1,
      actor: { kind: 'rep', id: ids.get('R1') },
    });
    expect(tagged.profile.communication).toMatchObject({ value: 'direct', source: 'rep_tag' });
    expect(await stored('C1')).toEqual({ personality: 'leader', personality_set_by: 'callplan' });

    // default ownership: the CRM's value is refused (a conflict) and still lands in the history
    await importCustomers('rational');
    await importCustomers('rational'); // refused again: the conflict is counted, the history has it once
    expect(await stored('C1')).toEqual({ personality: 'leader', personality_set_by: 'callplan' });
    // ownership 'crm' would let the CRM overwrite Callplan's values, but never a person's statement
    await nest.db.query(
      `UPDATE workspaces SET settings = jsonb_set(settings, '{fieldOwnership}', '{"personality": "crm"}') WHERE id = $1`,
      [ws],
    );
    await importCustomers('emotional');
    expect(await stored('C1')).toEqual({ personality: 'leader', personality_set_by: 'callplan' });
    await importCustomers('emotional'); // the same refused value again: nothing new in the history

    const body = (await (
      await call(rep1, 'GET', `/v1/customers/${ids.get('C1')}/personality`)
    ).json()) as ProfileBody;
    expect(body.type).toBe('leader');
    expect(body.history.map((h) => [h.dimension, h.value, h.source, h.counts])).toEqual([
      ['type', 'emotional', 'crm_import', false],
      ['type', 'rational', 'crm_import', false],
      // one PUT: recorded in body order, listed newest first
      ['communication', 'direct', 'rep_tag', true],
      ['type', 'leader', 'rep_tag', true],
      ['type', 'stable', 'crm_import', false],
    ]);
  });

  it('without a person, the newest import still applies', async () => {
    await importCustomers('emotional'); // C2 has none; set one on C2 through a second file
    await nest.app.get(CsvImportService).import({
      workspaceId: ws,
      kind: 'customers',
      file: file('external_id,name,owner_rep,personality\nC2,Bolt,R2,rational\n'),
      dedupe: false,
    });
    expect((await stored('C2')).personality).toBe('rational');
    const body = (await (
      await call(rep2Key, 'GET', `/v1/customers/${ids.get('C2')}/personality`)
    ).json()) as ProfileBody;
    expect(body.profile.type).toMatchObject({ value: 'rational', source: 'crm_import' });
  });

  it('questionnaire round trip: read it, answer it, the result is stored as source questionnaire', async () => {
    const q = await call(rep1, 'GET', '/v1/personality/questionnaire');
    expect(q.status).toBe(200);
    const questionnaire = (await q.json()) as {
      questions: Array<{ id: string; text: Record<string, string>; options: Array<{ id: string }> }>;
      minAnswers: number;
    };
    expect(questionnaire.questions.length).toBeGreaterThanOrEqual(10);
    expect(questionnaire.questions.length).toBeLessThanOrEqual(12);
    expect(questionnaire.questions[0].text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    expect(JSON.stringify(questionnaire)).not.toContain('weights');

    // every answer that describes a stable customer
    const answers = Object.fromEntries(
      QUESTIONNAIRE.map((question) => [
        question.id,
        question.options.find((o) => (o.weights.stable ?? 0) === 2)!.id,
      ]),
    );
    const res = await call(rep1, 'POST', `/v1/customers/${ids.get('C1')}/personality/questionnaire`, {
      answers,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      result: {
        type: string;
        confidence: number;
        answered: number;
        traits: Record<string, { value: string }>;
      };
      personality: ProfileBody;
    };
    expect(body.result).toMatchObject({ type: 'stable', answered: QUESTIONNAIRE.length });
    expect(body.result.confidence).toBeGreaterThan(0.8);
    expect(body.result.traits.communication.value).toBe('indirect');
    // the newest person's statement: the questionnaire now decides the type and communication
    expect(body.personality.profile.type).toMatchObject({ value: 'stable', source: 'questionnaire' });
    expect(body.personality.profile.communication).toMatchObject({
      value: 'indirect',
      source: 'questionnaire',
    });
    expect(body.personality.profile.values).toMatchObject({ value: 'practical', source: 'questionnaire' });
    expect(await stored('C1')).toEqual({ personality: 'stable', personality_set_by: 'callplan' });
    const [saved] = (await nest.db.query(
      `SELECT answers FROM personality_observations WHERE workspace_id = $1 AND source = 'questionnaire' LIMIT 1`,
      [ws],
    )) as Array<{ answers: Record<string, string> }>;
    expect(saved.answers).toEqual(answers);
  });

  it('refuses bad bodies with 422 and the field paths', async () => {
    const put = await call(rep1, 'PUT', `/v1/customers/${ids.get('C1')}/personality`, {
      type: 'analytical',
      social: 1,
    });
    expect(put.status).toBe(422);
    const err = ((await put.json()) as { error: { code: string; details: Array<{ path: string }> } }).error;
    expect(err.code).toBe('invalid_personality');
    expect(err.details.map((d) => d.path)).toEqual(['type', 'social']);

    const post = await call(rep1, 'POST', `/v1/customers/${ids.get('C1')}/personality/questionnaire`, {
      answers: { q99: 'a', first_question: 'specs' },
    });
    expect(post.status).toBe(422);
    const postErr = ((await post.json()) as { error: { details: Array<{ path: string }> } }).error;
    expect(postErr.details.map((d) => d.path)).toEqual(['answers.q99', 'answers']);

    // the fuzzer's counterexample: a confidence too small for the column is stored rounded, not a 500
    const tiny = await call(rep1, 'PUT', `/v1/customers/${ids.get('C1')}/personality`, {
      values: 'practical',
      confidence: 5e-324,
    });
    expect(tiny.status).toBe(200);
    expect(((await tiny.json()) as ProfileBody).history[0]).toMatchObject({
      value: 'practical',
      confidence: 0,
    });
  });

  it('a guess from notes is labelled inferred with its confidence, and never overrides a person', async () => {
    await nest.app.get(CsvImportService).import({
      workspaceId: ws,
      kind: 'customers',
      file: file('external_id,name,owner_rep,personality\nC3,Cato,R1,\n'),
      dedupe: false,
    });
    const [{ id }] = (await nest.db.query(
      `SELECT id::text FROM customers WHERE workspace_id = $1 AND external_id = 'C3'`,
      [ws],
    )) as Array<{ id: string }>;
    for (const [n, note] of [
      'Asked twice about the warranty',
      '很在意售后和质保',
      'Wants the usual order',
    ].entries())
      await nest.db.query(
        `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind, note)
         VALUES ($1, $2, $3, now() - $4 * interval '1 day', 'call', $5)`,
        [ws, `i-c3-${n}`, id, n + 1, note],
      );
    const infer = () =>
      nest.app.get(Transactions).run((tx) => nest.app.get(PersonalityService).inferFromNotes(ws, id, tx));
    await infer();
    await infer(); // the same guess again is not recorded twice

    const guessed = (await (
      await call(rep1, 'GET', `/v1/customers/${id}/personality`)
    ).json()) as ProfileBody;
    // two notes for stable, none for another type: min(0.5, 0.2) × 1
    expect(guessed.profile.type).toMatchObject({
      value: 'stable',
      source: 'inferred',
      actor: { kind: 'system' },
    });
    expect(guessed.profile.type!.recordedConfidence).toBeCloseTo(0.2, 6);
    expect(guessed.history).toHaveLength(1);
    // a guess is shown, not used: the talk track's type stays unset
    expect((await stored('C3')).personality).toBeNull();

    await call(rep1, 'PUT', `/v1/customers/${id}/personality`, { type: 'emotional' });
    await nest.db.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind, note)
       VALUES ($1, 'i-c3-9', $2, now(), 'call', 'Only cares about the guarantee')`,
      [ws, id],
    );
    await infer(); // three notes now: a stronger guess, recorded, still below the rep
    const after = (await (await call(rep1, 'GET', `/v1/customers/${id}/personality`)).json()) as ProfileBody;
    expect(after.profile.type).toMatchObject({ value: 'emotional', source: 'rep_tag' });
    expect(after.history.map((h) => [h.value, h.source, h.counts])).toEqual([
      ['stable', 'inferred', false],
      ['emotional', 'rep_tag', true],
      ['stable', 'inferred', false],
    ]);
    expect((await stored('C3')).personality).toBe('emotional');
  });

  it("answers 404 for another rep's customer or an unknown id, 403 for an integration's write", async () => {
    const other = ids.get('C2')!;
    expect((await call(rep1, 'GET', `/v1/customers/${other}/personality`)).status).toBe(404);
    expect((await call(rep1, 'PUT', `/v1/customers/${other}/personality`, { type: 'leader' })).status).toBe(
      404,
    );
    const answers = Object.fromEntries(QUESTIONNAIRE.map((q) => [q.id, q.options[0].id]));
    expect(
      (await call(rep1, 'POST', `/v1/customers/${other}/personality/questionnaire`, { answers })).status,
    ).toBe(404);
    expect((await call(rep1, 'GET', '/v1/customers/999999999/personality')).status).toBe(404);
    expect((await call(integrationKey, 'GET', `/v1/customers/${other}/personality`)).status).toBe(200);
    expect(
      (await call(integrationKey, 'PUT', `/v1/customers/${other}/personality`, { type: 'leader' })).status,
    ).toBe(403);
    expect((await stored('C2')).personality).toBe('rational');
  });
});
