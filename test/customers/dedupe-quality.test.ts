import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DedupeService } from '../../src/customers/dedupe/dedupe.service';
import { writeCrmCsvs } from '../../src/generator/crm-csv-writer';
import { iterateCrm } from '../../src/generator/crm-generator';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * Precision and recall of duplicate detection on a generated CRM with look-alikes planted beside the true
 * duplicates (families sharing a phone or email, companies on one switchboard, info@ addresses, duplicates of
 * Chinese names written in pinyin). Goals (issue 10): precision of automatic merges ≥ 99.9 %, recall (true
 * duplicates merged or proposed for review) ≥ 95 %.
 */
describe('duplicate detection quality on 20k generated customers (PostgreSQL)', () => {
  const GEN = { customers: 20_000, seed: 23, lookAlikeShare: 0.03 };
  const nest = useTestApp();
  let ws: string;
  let dir: string;
  /** external id → the person it is (its original's external id) */
  const person = new Map<string, string>();
  let duplicates = 0;
  let lookAlikes = 0;

  beforeAll(async () => {
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'dedupe-quality' })).id;
    dir = mkdtempSync(join(tmpdir(), 'callplan-dedupe-quality-'));
    await writeCrmCsvs({ ...GEN, outDir: dir });
    for (const b of iterateCrm(GEN)) {
      if (b.type !== 'customer') continue;
      person.set(b.customer.external_id, b.duplicateOf ?? b.customer.external_id);
      if (b.duplicateOf) duplicates++;
      if (b.lookAlike) lookAlikes++;
    }
    const importer = nest.app.get(CsvImportService);
    await importer.import({ workspaceId: ws, kind: 'reps', file: join(dir, 'reps.csv') });
    await importer.import({
      workspaceId: ws,
      kind: 'customers',
      file: join(dir, 'customers.csv'),
      dedupe: false,
    });
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('merges automatically only true duplicates (precision ≥ 99.9 %), and finds ≥ 95 % of them', async () => {
    const report = await nest.app.get(DedupeService).run(ws);
    const merges: Array<{ winner: string; loser: string; wname: string; lname: string }> =
      await nest.db.query(
        `SELECT w.external_id AS winner, l.external_id AS loser, w.name AS wname, l.name AS lname FROM customer_merges m
       JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
       WHERE m.workspace_id = $1 AND m.undone_at IS NULL`,
        [ws],
      );
    const correct = merges.filter((m) => person.get(m.winner) === person.get(m.loser)).length;
    const proposals: Array<{ a: string; b: string }> = await nest.db.query(
      `SELECT a.external_id AS a, b.external_id AS b FROM merge_candidates c
       JOIN customers a ON a.id = c.customer_a_id JOIN customers b ON b.id = c.customer_b_id
       WHERE c.workspace_id = $1 AND c.status = 'pending'`,
      [ws],
    );
    // records by the live customer they now belong to
    const roots: Array<{ external_id: string; root: string }> = await nest.db.query(
      `SELECT c.external_id, r.external_id AS root FROM customers c
       JOIN customers r ON r.id = COALESCE(c.merged_into_id, c.id) WHERE c.workspace_id = $1`,
      [ws],
    );
    const rootOf = new Map(roots.map((r) => [r.external_id, r.root]));
    const proposed = new Set(proposals.map((p) => [p.a, p.b].sort().join('|')));
    let mergedRight = 0;
    let proposedRight = 0;
    for (const [id, p] of person) {
      if (p === id) continue; // an original
      const dupRoot = rootOf.get(id)!;
      const origRoot = rootOf.get(p)!;
      if (dupRoot === origRoot) mergedRight++;
      else if (proposed.has([dupRoot, origRoot].sort().join('|'))) proposedRight++;
    }
    const wrongProposals = proposals.filter((x) => person.get(x.a) !== person.get(x.b)).length;
    const precision = merges.length === 0 ? 1 : correct / merges.length;
    const recall = (mergedRight + proposedRight) / duplicates;
    process.stdout.write(
      `dedupe quality (${GEN.customers} customers, seed ${GEN.seed}): ${duplicates} true duplicates, ` +
        `${lookAlikes} look-alikes; ${merges.length} automatic merges, ${correct} right → precision ` +
        `${(precision * 100).toFixed(2)} %; ${mergedRight} duplicates merged + ${proposedRight} proposed → recall ` +
        `${(recall * 100).toFixed(2)} %; ${proposals.length} proposals (${wrongProposals} look-alike pairs); ` +
        `${report.sharedKeysIgnored} shared keys ignored; run ${report.seconds.toFixed(1)} s\n`,
    );
    const wrong = merges.filter((m) => person.get(m.winner) !== person.get(m.loser));
    for (const m of wrong.slice(0, 5)) {
      process.stdout.write(`  wrong merge: ${m.loser} "${m.lname}" into ${m.winner} "${m.wname}"\n`);
    }
    expect(duplicates).toBeGreaterThan(300);
    expect(lookAlikes).toBeGreaterThan(400);
    expect(precision).toBeGreaterThanOrEqual(0.999);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(report.sharedKeysIgnored).toBeGreaterThan(0); // the info@ clusters
    expect(wrongProposals).toBeGreaterThan(0); // the families and switchboards went to review
  }, 180_000);
});
