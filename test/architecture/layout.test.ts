import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../support/test-db';
import {
  folderGraph,
  folderLoops,
  mayRunSql,
  queryCalls,
  ROOT,
  sizeReport,
  sourceFiles,
  sqlLiterals,
} from './source-tree';

/**
 * The layout rules of docs/architecture.md, checked on the source: folders import downwards only, SQL runs only
 * in repositories, and every repository statement on a tenant table names the workspace.
 * `npx jest test/architecture` also prints the size figures (largest folder, big files, long functions).
 */
const code = sourceFiles().filter((f) => !f.endsWith('.spec.ts'));
const where = (f: string, line: number) => `${relative(ROOT, f)}:${line}`;

describe('source layout', () => {
  it('has no folder-level import loop', () => {
    const loops = folderLoops();
    if (loops.length)
      console.log('folder graph', Object.fromEntries([...folderGraph()].map(([k, v]) => [k, [...v]])));
    expect(loops).toEqual([]);
  });

  it('runs SQL only in repositories (and the database layer)', () => {
    const outside = code.filter((f) => !mayRunSql(f)).flatMap((f) => queryCalls(f).map((l) => where(f, l)));
    expect(outside).toEqual([]);
  });

  it('gives every class the OpenAPI document may describe a name of its own', () => {
    // @nestjs/swagger keys schemas by class name: two DTOs called RotateSecretDto (inbound and outbound webhooks)
    // left one route documented with the other's body, with only a start-up warning.
    const byName = new Map<string, string[]>();
    for (const f of code.filter((f) => readFileSync(f, 'utf8').includes('@nestjs/swagger')))
      for (const m of readFileSync(f, 'utf8').matchAll(/^(?:export )?(?:abstract )?class (\w+)/gm))
        byName.set(m[1], [...(byName.get(m[1]) ?? []), relative(ROOT, f)]);
    expect([...byName].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it('casts no job payloads (handlers are typed from the job registry)', () => {
    const casts = code
      .filter((f) => /job\.data as\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(casts).toEqual([]);
  });

  it('prints the size figures', () => {
    const r = sizeReport();
    console.log(
      [
        `src: ${r.totalLines} lines; largest folder ${r.largestFolder.folder}: ${r.largestFolder.lines} lines (${(100 * r.largestFolder.share).toFixed(1)} %)`,
        `files over 500 lines (specs excluded): ${r.filesOver500.length}${r.filesOver500.length ? ` — ${r.filesOver500.join(', ')}` : ''}`,
        `functions over 100 lines: ${r.functionsOver100.length}; longest: ${r.longestFunction.name} (${r.longestFunction.lines} lines)`,
        `folder import loops: ${folderLoops().length}`,
      ].join('\n'),
    );
    expect(r.totalLines).toBeGreaterThan(0);
  });
});

describe('tenant rule in repositories', () => {
  let db: TestDatabase;
  let tenantTables: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT DISTINCT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
       WHERE c.table_schema = 'public' AND c.column_name = 'workspace_id' AND t.table_type = 'BASE TABLE'`,
    );
    await client.end();
    tenantTables = rows.map((r) => r.table_name).filter((t) => !/^customer_scores_r/.test(t));
  });

  afterAll(() => db?.drop());

  it('finds the tenant tables', () => {
    expect(tenantTables).toEqual(expect.arrayContaining(['customers', 'orders', 'reps', 'worklists']));
  });

  it('names workspace_id in every statement on a tenant table, or says why not (@crossTenant)', () => {
    const repositories = code.filter((f) => f.endsWith('.repository.ts'));
    const missing: string[] = [];
    for (const file of repositories) {
      for (const sql of sqlLiterals(file)) {
        const tables = tenantTables.filter((t) =>
          new RegExp(`\\b(FROM|JOIN|INTO|UPDATE)\\s+${t}\\b`, 'i').test(sql.text),
        );
        if (tables.length === 0 || /workspace_id/.test(sql.text) || /@crossTenant\b/.test(sql.above))
          continue;
        missing.push(`${where(file, sql.line)} (${tables.join(', ')})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
