import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OwnershipWriter } from '../../src/assignments/ownership-writer.service';
import { Transactions } from '../../src/database/transactions';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { parseEvent } from '../../src/ingest/events/crm-event.schema';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { PersonalityService } from '../../src/personality/personality.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t } from '../fake-crm/crm-events';
import { useTestApp } from '../support/use-test-app';

type Rep = 'R1' | 'R2' | 'R3';
type Personality = 'rational' | 'emotional' | 'leader' | 'stable';
type Op =
  | { op: 'sync'; c: string; minute: number; name: string; owner: Rep }
  | { op: 'csv'; c: string; name: string; owner: Rep; personality: Personality | null }
  | { op: 'assign'; c: string; rep: Rep }
  | { op: 'tag'; c: string; personality: Personality };

interface Model {
  name: string;
  version: number | null;
  owner: Rep | null;
  ownerBy: string | null;
  personality: Personality | null;
  personalityBy: string | null;
  /** the last owner / personality Callplan set (an assignment that changed the owner, a rep's tag) */
  lastCallplanOwner?: Rep;
  lastCallplanPersonality?: Personality;
  /** the newest CRM name: of the newest event version, or of a CSV row (unversioned: as of its import) */
  history: Array<{
    field: string;
    old_value: string | null;
    new_value: string | null;
    old_source: string | null;
    new_source: string;
  }>;
  conflicts: Set<string>;
}

/**
 * Any interleaving of CRM sync (versions in any order), CSV re-imports and Callplan edits (assignments, reps'
 * personality tags), under the default ownership: every Callplan-owned field ends as last set in Callplan, the
 * CRM-owned name as the CRM's newest, every overwrite of a tracked field is in the history (old and new value and
 * source, in order), and every refused CRM value is a listed conflict. Through the real importer, sync service,
 * OwnershipWriter and outcomes repository against the real database.
 */
describe('field ownership holds under any interleaving (property, PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ownership-prop-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cust = fc.constantFrom('c1', 'c2');
  const rep = fc.constantFrom<Rep>('R1', 'R2', 'R3');
  const personality = fc.constantFrom<Personality>('rational', 'stable', 'leader');
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      op: fc.constant('sync' as const),
      c: cust,
      minute: fc.integer({ min: 0, max: 40 }),
      name: fc.constantFrom('Ann', 'Bo', 'Cy'),
      owner: rep,
    }),
    fc.record({
      op: fc.constant('csv' as const),
      c: cust,
      name: fc.constantFrom('Ann', 'Bo', 'Cy'),
      owner: rep,
      personality: fc.option(personality, { nil: null }),
    }),
    fc.record({ op: fc.constant('assign' as const), c: cust, rep }),
    fc.record({ op: fc.constant('tag' as const), c: cust, personality }),
  );

  it('ends with Callplan-owned fields as last set in Callplan and CRM-owned ones as newest in the CRM', async () => {
    const importer = nest.app.get(CsvImportService);
    const sync = nest.app.get(RecordSyncService);
    const tx = nest.app.get(Transactions);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const ws = (await nest.app.get(WorkspacesService).ensure({ slug: `own-prop-${++n}` })).id;
        const reps = new Map<string, string>();
        for (const r of ['R1', 'R2', 'R3']) {
          const [row] = await nest.db.query(
            `INSERT INTO reps (workspace_id, external_id, name, role, locale) VALUES ($1, $2, $2, 'rep', 'en') RETURNING id`,
            [ws, r],
          );
          reps.set(r, row.id);
        }
        const model = new Map<string, Model>();
        const idOf = async (c: string): Promise<string> =>
          (
            await nest.db.query(`SELECT id FROM customers WHERE workspace_id = $1 AND external_id = $2`, [
              ws,
              c,
            ])
          )[0].id;

        for (const [i, o] of ops.entries()) {
          const m = model.get(o.c);
          if (o.op === 'sync') {
            // distinct versions: equal instants would be ordered by digest, which the model does not compute
            const at = o.minute * 100 + i;
            const r = parseEvent(ev.customer(o.c, t(at), { name: o.name, ownerRepExternalId: o.owner }));
            if (!r.ok) throw new Error(JSON.stringify(r.issues));
            await sync.applyBatch(ws, 'crm', [r.event]);
            if (!m) model.set(o.c, fresh(o.name, o.owner, 'crm', null, at));
            else if (m.version === null || at > m.version) {
              m.name = o.name;
              m.version = at;
              crmOwner(m, o.c, o.owner, 'crm');
            }
          } else if (o.op === 'csv') {
            const path = join(dir, `p${n}-${i}.csv`);
            writeFileSync(
              path,
              `external_id,name,owner_rep,personality\n${o.c},${o.name},${o.owner},${o.personality ?? ''}\n`,
            );
            await importer.import({ workspaceId: ws, kind: 'customers', file: path, dedupe: false });
            if (!m) model.set(o.c, fresh(o.name, o.owner, 'csv', o.personality, null));
            else {
              m.name = o.name;
              crmOwner(m, o.c, o.owner, 'csv');
              if (o.personality !== null) {
                if (m.personalityBy === 'callplan') {
                  if (o.personality !== m.personality) m.conflicts.add(`${o.c}:personality`);
                } else if (o.personality !== m.personality) {
                  change(m, 'personality', o.personality, 'csv');
                }
              }
            }
          } else if (o.op === 'assign') {
            if (!m) continue;
            const id = await idOf(o.c);
            await tx.run((t) =>
              nest.app.get(OwnershipWriter).apply(t, {
                workspaceId: ws,
                reason: 'manual',
                actor: 'property',
                changes: [{ customerId: id, toRepId: reps.get(o.rep)! }],
              }),
            );
            if (o.rep !== m.owner) {
              change(m, 'owner', o.rep, 'callplan');
              m.lastCallplanOwner = o.rep;
            }
          } else {
            if (!m) continue;
            const id = await idOf(o.c);
            await tx.run((t) =>
              nest.app
                .get(PersonalityService)
                .tagFromOutcome(
                  { workspaceId: ws, keyId: 'test', role: 'admin', repId: null },
                  id,
                  o.personality,
                  t,
                ),
            );
            if (o.personality !== m.personality) change(m, 'personality', o.personality, 'callplan');
            else m.personalityBy = 'callplan';
            m.lastCallplanPersonality = o.personality;
          }
        }

        for (const [c, m] of model) {
          const [row] = await nest.db.query(
            `SELECT c.id, c.name, r.external_id AS owner, c.personality FROM customers c
             LEFT JOIN reps r ON r.id = c.owner_rep_id WHERE c.workspace_id = $1 AND c.external_id = $2`,
            [ws, c],
          );
          // the property itself: Callplan's last decision stands, the CRM's newest name is there
          if (m.lastCallplanOwner) expect(row.owner).toBe(m.lastCallplanOwner);
          if (m.lastCallplanPersonality) expect(row.personality).toBe(m.lastCallplanPersonality);
          expect(row.name).toBe(m.name);
          expect({ owner: row.owner, personality: row.personality }).toEqual({
            owner: m.owner,
            personality: m.personality,
          });
          const history = await nest.db.query(
            `SELECT field, old_value, new_value, old_source, new_source FROM customer_field_history
             WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id`,
            [ws, row.id],
          );
          expect(history).toEqual(m.history);
          const conflicts = await nest.db.query(
            `SELECT field FROM customer_field_conflicts WHERE workspace_id = $1 AND customer_id = $2 ORDER BY field`,
            [ws, row.id],
          );
          expect(conflicts.map((k: { field: string }) => `${c}:${k.field}`)).toEqual([...m.conflicts].sort());
        }
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});

function fresh(
  name: string,
  owner: Rep,
  by: string,
  personality: Personality | null,
  version: number | null,
): Model {
  return {
    name,
    version,
    owner,
    ownerBy: by,
    personality,
    personalityBy: personality === null ? null : by,
    history: [],
    conflicts: new Set(),
  };
}

/** A CRM owner under the default ownership (`callplan`): applied unless Callplan set the owner, else a conflict. */
function crmOwner(m: Model, c: string, owner: Rep, by: 'crm' | 'csv'): void {
  if (owner === m.owner) return;
  if (m.ownerBy === 'callplan') m.conflicts.add(`${c}:owner`);
  else change(m, 'owner', owner, by);
}

function change(m: Model, field: 'owner' | 'personality', value: string, by: string): void {
  const old = field === 'owner' ? m.owner : m.personality;
  const oldBy = field === 'owner' ? m.ownerBy : m.personalityBy;
  if (old !== null || oldBy !== null)
    m.history.push({ field, old_value: old, new_value: value, old_source: oldBy, new_source: by });
  if (field === 'owner') {
    m.owner = value as Rep;
    m.ownerBy = by;
  } else {
    m.personality = value as Personality;
    m.personalityBy = by;
  }
}
