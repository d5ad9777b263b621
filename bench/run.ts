import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TenantScope } from '../src/database/tenant-scope';
import { resolveDatabase } from '../src/embedded/embedded-postgres';
import { Benchmark } from './benchmark';
import { BENCHMARKS } from './registry';

/**
 * `npm run bench [-- name …]`: runs the benchmarks (all, or those named) against BENCH_DATABASE_URL (a server URL)
 * or an embedded PostgreSQL, prints each figure with its same-run baseline, and appends the results to
 * bench/out/results.jsonl. Never part of `npm test`.
 */
async function main() {
  // the driver imports and arranges data as the operator (like the CLI); workers and HTTP run in their own scopes
  TenantScope.setFallback({ crossTenant: 'the benchmark driver acts as the operator' });
  const args = process.argv.slice(2);
  // `--scale=0.1` is BENCH_SCALE as a flag; a benchmark may pick a smaller default when neither is given
  const scaleFlag = args.find((a) => a.startsWith('--scale='))?.slice('--scale='.length);
  const scaleGiven = scaleFlag ?? process.env.BENCH_SCALE;
  const wanted = args.filter((a) => !a.startsWith('--'));
  const selected: Benchmark[] = wanted.length
    ? BENCHMARKS.filter((b) => [b.name, ...(b.aliases ?? [])].some((n) => wanted.includes(n)))
    : BENCHMARKS;
  if (selected.length === 0) {
    console.error(
      `unknown benchmark(s) ${wanted.join(', ')}; available: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    process.exit(2);
  }
  const db = await resolveDatabase({
    databaseUrl: process.env.BENCH_DATABASE_URL,
    dataDir: join(__dirname, '..', '..', '.data'),
    name: 'pg-bench',
    port: Number(process.env.BENCH_EMBEDDED_PG_PORT ?? 54349),
    database: 'postgres',
  });
  const outDir = join(__dirname, '..', '..', 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  try {
    for (const b of selected) {
      console.log(`\n## ${b.name}: ${b.description}`);
      const started = Date.now();
      const result = await b.run({
        serverUrl: db.url,
        redisUrl: process.env.BENCH_REDIS_URL,
        scale: Number(scaleGiven ?? 1),
        scaleGiven: scaleGiven !== undefined,
        log: (m) => console.log(`   ${m}`),
      });
      for (const f of result.figures) console.log(`   ${f.label}: ${format(f.value)} ${f.unit}`);
      for (const f of result.baselines) console.log(`   baseline — ${f.label}: ${format(f.value)} ${f.unit}`);
      for (const r of result.ratios) console.log(`   ratio: ${r}`);
      for (const n of result.notes ?? []) console.log(`   note: ${n}`);
      appendFileSync(
        join(outDir, 'results.jsonl'),
        JSON.stringify({
          name: b.name,
          at: new Date().toISOString(),
          seconds: (Date.now() - started) / 1000,
          ...result,
        }) + '\n',
      );
    }
  } finally {
    await db.stop();
  }
}

function format(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(3);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
