import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { writeCrmCsvs } from '../generator/crm-csv-writer';
import { CsvImportService } from '../ingest/csv/csv-import.service';
import { compileDateFormat, DATE_FORMAT_EXAMPLES } from '../ingest/csv/csv-dates';
import { CSV_ENCODINGS, parseEncoding } from '../ingest/csv/csv-encoding';
import { PRESET_NAMES, PresetName } from '../ingest/csv/csv-presets';
import { CurrencyRatesService } from '../ingest/csv/currency-rates.service';
import { ImportKind } from '../ingest/csv/csv-rows';
import { ImportPath } from '../ingest/csv/import-path';
import { ScoreExportService } from '../scoring/score-export.service';
import { ForecastAccuracyService } from '../scoring/forecast-accuracy.service';
import { accuracyTable } from './accuracy-table';
import { QUEUES } from '../queue/queue-factory';
import { WorkerHeartbeatService } from '../queue/worker-heartbeat.service';
import { ScoreRunService } from '../scoring/score-run.service';
import { WorklistPublisher } from '../worklist/worklist-publisher.service';
import { WorklistQueryService } from '../worklist/worklist-query.service';
import { todayIn, WorkspacesService } from '../workspaces/workspaces.service';
import { CliError, CliSession, DEFAULT_STALL_SECONDS, openSession, QueueWaitWatch } from './cli-context';
import { calendarDay, positiveInt } from './cli-options';
import { progressBar } from './progress';
import { printWorklist } from './print-worklist';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/** Parses `--map dest=Source,dest2=Source2` (a source may be `A + B`: the columns joined with a space). */
export function parseColumnMap(spec: string | undefined): Record<string, string> {
  if (!spec) return {};
  const map: Record<string, string> = {};
  for (const pair of spec.split(',')) {
    const [dest, source] = pair.split('=').map((s) => s?.trim());
    if (!dest || !source) throw new CliError(`--map entry "${pair}" must look like dest=SourceColumn`, 2);
    map[dest] = source;
  }
  return map;
}

export function registerDataCommands(program: Command): void {
  registerGenerateCommand(program);
  registerImportCommand(program);
  registerCurrencyCommand(program);
  registerScoreCommand(program);
  registerExportCommand(program);
  registerPublishCommand(program);
  registerWorklistCommand(program);
}

function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('write a realistic synthetic CRM (reps, customers, orders, interactions) as canonical CSVs')
    .requiredOption('--customers <n>', 'number of customers', positiveInt('--customers'))
    .option('--seed <n>', 'random seed (same seed, same files)', positiveInt('--seed'), 1)
    .requiredOption('--out <dir>', 'output directory')
    .option(
      '--as-of <date>',
      'the data set ends the day before this date (default 2026-11-24)',
      calendarDay('--as-of'),
    )
    .action(async (opts: { customers: number; seed: number; out: string; asOf?: string }) => {
      const asOf = opts.asOf ? new Date(`${opts.asOf}T00:00:00Z`) : undefined;
      const t0 = Date.now();
      const summary = await writeCrmCsvs({
        customers: opts.customers,
        seed: opts.seed,
        outDir: resolve(opts.out),
        asOf,
      });
      console.log(JSON.stringify(summary, null, 2));
      console.log(`written to ${resolve(opts.out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
}

function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a CSV (canonical columns, or mapped with --map / --preset) into the workspace')
    .addArgument(
      new Command()
        .createArgument('<kind>', 'customers | orders | interactions | reps')
        .choices(['customers', 'orders', 'interactions', 'reps']),
    )
    .requiredOption('--file <path>', 'CSV file with a header row (encoding detected, or --encoding)')
    .option(
      '--map <pairs>',
      "column map for foreign CSVs: dest=SourceColumn,… ('name=First Name + Last Name' joins)",
    )
    .option('--preset <crm>', `header preset of a CRM export: ${PRESET_NAMES.join(' | ')}`)
    .option('--encoding <name>', `force the file's encoding: ${CSV_ENCODINGS.join(' | ')} (also gbk, latin1)`)
    .option(
      '--date-format <format>',
      `how date-times without an offset are written, read in the workspace time zone (e.g. "${DATE_FORMAT_EXAMPLES.slice(0, 4).join('", "')}")`,
    )
    .option(
      '--source-version-column <name>',
      "customers: the file column with each row's CRM version time (source_updated_at); older rows do not overwrite newer data",
    )
    .option('--ignore-unknown-columns', 'skip file columns that feed nothing instead of refusing the header')
    .option(
      '--create-missing-customers',
      'orders/interactions for unknown customers create placeholder customers',
    )
    .option('--source <name>', 'source system of the ids', 'crm')
    .option('--rejects <path>', 'where rejected rows go (default <file>.rejects.csv)')
    .addOption(
      new Option(
        '--path <path>',
        'orders/interactions: land chunk by chunk (incremental), the whole file in one statement (bulk), or choose by size (auto)',
      )
        .choices(['incremental', 'bulk', 'auto'])
        .default('incremental'),
    )
    .action(
      async (
        kind: ImportKind,
        opts: {
          file: string;
          map?: string;
          preset?: string;
          encoding?: string;
          dateFormat?: string;
          ignoreUnknownColumns?: boolean;
          sourceVersionColumn?: string;
          createMissingCustomers?: boolean;
          source: string;
          rejects?: string;
          path: ImportPath | 'auto';
        },
        cmd: Command,
      ) => {
        const map = parseColumnMap(opts.map);
        if (opts.sourceVersionColumn !== undefined) {
          if (kind !== 'customers')
            throw new CliError('--source-version-column applies to `import customers` only', 2);
          if (map.source_updated_at !== undefined)
            throw new CliError(
              '--source-version-column and --map source_updated_at=… both given; use one',
              2,
            );
          map.source_updated_at = opts.sourceVersionColumn;
        }
        const encoding = opts.encoding === undefined ? undefined : parseEncoding(opts.encoding);
        if (encoding === null)
          throw new CliError(`--encoding "${opts.encoding}" is not one of ${CSV_ENCODINGS.join(', ')}`, 2);
        if (opts.preset !== undefined && !PRESET_NAMES.includes(opts.preset as PresetName))
          throw new CliError(`--preset "${opts.preset}" is not one of ${PRESET_NAMES.join(', ')}`, 2);
        if (opts.dateFormat !== undefined) {
          try {
            compileDateFormat(opts.dateFormat);
          } catch (e) {
            throw new CliError(`--date-format: ${(e as Error).message}`, 2);
          }
        }
        const s = await openSession({ workspace: globals(cmd).workspace });
        const bar = progressBar(`import ${kind}`);
        try {
          const report = await s.app.get(CsvImportService).import({
            workspaceId: s.workspaceId,
            kind,
            file: resolve(opts.file),
            map,
            preset: opts.preset as PresetName | undefined,
            encoding,
            dateFormat: opts.dateFormat,
            ignoreUnknownColumns: opts.ignoreUnknownColumns,
            createMissingCustomers: opts.createMissingCustomers,
            source: opts.source,
            rejectFile: opts.rejects,
            path: opts.path,
            onProgress: (p) => bar.update(p.bytesRead, p.totalBytes, `${p.rows} rows`),
          });
          bar.stop();
          console.log(JSON.stringify(report, null, 2));
          for (const notice of report.notices) process.stderr.write(`note: ${notice}\n`);
          if (report.warnings > 0)
            process.stderr.write(
              `${report.warnings} warning(s): see ${report.rejectFile} (line, column, reason)\n`,
            );
          if (report.rejected > 0) {
            process.stderr.write(
              `${report.rejected} row(s) rejected: see ${report.rejectFile} (line, column, reason)\n`,
            );
            process.exitCode = 3;
          }
        } finally {
          bar.stop();
          await s.close();
        }
      },
    );
}

/** `currency rates load|list`: the rate table imports convert orders in other currencies with. */
function registerCurrencyCommand(program: Command): void {
  const rates = program
    .command('currency')
    .description("the workspace's exchange rates")
    .command('rates')
    .description('rates that convert imported orders into the workspace currency');
  rates
    .command('load')
    .description(
      'load rates from a CSV: currency,valid_from,rate (workspace currency per unit, from that day)',
    )
    .argument('<csv>', 'rate file')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const res = await s.app.get(CurrencyRatesService).load(s.workspaceId, resolve(file), 'cli');
        console.log(JSON.stringify(res, null, 2));
      } finally {
        await s.close();
      }
    });
  rates
    .command('list')
    .description('print the rate table')
    .action(async (_opts: unknown, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        console.log(JSON.stringify(await s.app.get(CurrencyRatesService).list(s.workspaceId), null, 2));
      } finally {
        await s.close();
      }
    });
}

function registerScoreCommand(program: Command): void {
  const score = program
    .command('score')
    .description('run scoring through the queue (in-process worker when none is running) and wait for it')
    .option(
      '--as-of <date>',
      'score as if today were this date (YYYY-MM-DD); later data is ignored',
      calendarDay('--as-of'),
    )
    .option(
      '--horizon-days <n>',
      'CLV / expected-purchases horizon in days',
      positiveInt('--horizon-days'),
      365,
    )
    .option('--no-publish', 'do not publish call lists after the run')
    .option(
      '--stall-timeout <seconds>',
      'give up when the run makes no progress and no live worker serves the scoring queue for this long',
      positiveInt('--stall-timeout'),
      DEFAULT_STALL_SECONDS,
    )
    .action(
      async (
        opts: { asOf?: string; horizonDays: number; publish: boolean; stallTimeout: number },
        cmd: Command,
      ) => {
        const s = await openSession({ workspace: globals(cmd).workspace, needsWorker: SCORE_QUEUES });
        try {
          const run = await runScoring(s, { ...opts, stallSeconds: opts.stallTimeout });
          console.log(JSON.stringify(run.report, null, 2));
          if (run.status !== 'completed')
            throw new CliError(`score run ${run.id} ${run.status}: ${run.error}`);
          for (const note of runNotes(run.report)) process.stderr.write(`${note}\n`);
          for (const warning of runWarnings(run.report)) process.stderr.write(`warning: ${warning}\n`);
        } finally {
          await s.close();
        }
      },
    );
  score
    .command('accuracy')
    .description(
      "a run's self-backtest: each candidate model's holdout figures per horizon, the model chosen and why (docs/models-clv.md)",
    )
    .option('--run <id>', 'the run (default: the newest completed run)')
    .action(async (opts: { run?: string }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const view = await s.app.get(ForecastAccuracyService).forRun(s.workspaceId, opts.run);
        console.log(JSON.stringify(view, null, 2));
        if (view.note) process.stderr.write(`${view.note}\n`);
        else process.stderr.write(`${accuracyTable(view)}\n`);
      } finally {
        await s.close();
      }
    });
}

function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export data')
    .addArgument(new Command().createArgument('<what>', 'scores').choices(['scores']))
    .requiredOption('--out <file>', 'CSV file to write')
    .action(async (_what: string, opts: { out: string }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const res = await s.app.get(ScoreExportService).exportCsv(s.workspaceId, resolve(opts.out));
        console.log(`${res.rows} customers written to ${resolve(opts.out)} (score run ${res.runId})`);
      } finally {
        await s.close();
      }
    });
}

function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description('publish the daily call lists from the current scores')
    .option('--date <date>', 'list date (default today in the workspace time zone)', calendarDay('--date'))
    .option('--replace', 'rebuild lists already published for that date')
    .action(async (opts: { date?: string; replace?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const ws = await s.app.get(WorkspacesService).byId(s.workspaceId);
        const report = await s.app
          .get(WorklistPublisher)
          .publish(s.workspaceId, opts.date ?? todayIn(ws.timezone), { replace: opts.replace });
        console.log(JSON.stringify(report, null, 2));
        if (report.skippedExisting > 0 && !opts.replace) {
          process.stderr.write(
            `${report.skippedExisting} reps already had a call list for ${report.listDate}; those lists are kept as ` +
              `they are. Run \`callplan publish --date ${report.listDate} --replace\` to rebuild them from the current scores\n`,
          );
        }
      } finally {
        await s.close();
      }
    });
}

function registerWorklistCommand(program: Command): void {
  program
    .command('worklist')
    .description("print a rep's call list")
    .requiredOption('--rep <id>', "rep's external id (or uuid)")
    .option('--date <date>', 'list date (default today in the workspace time zone)', calendarDay('--date'))
    .option('--json', 'print JSON')
    .option('--limit <n>', 'items to print', positiveInt('--limit'), 10)
    .action(async (opts: { rep: string; date?: string; json?: boolean; limit: number }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const ws = await s.app.get(WorkspacesService).byId(s.workspaceId);
        const rep = await s.app.get(WorkspacesService).repByExternalId(s.workspaceId, opts.rep);
        const list = await s.app
          .get(WorklistQueryService)
          .forRep(
            { keyId: 'cli', workspaceId: s.workspaceId, role: 'admin', repId: null },
            rep.id,
            opts.date ?? todayIn(ws.timezone),
          );
        if (opts.json) console.log(JSON.stringify(list, null, 2));
        else printWorklist(list, opts.limit);
      } finally {
        await s.close();
      }
    });
}

/** What a finished run says in words about what it left alone: a backtest, call lists kept as they were. */
function runNotes(report: Record<string, unknown>): string[] {
  const notes: string[] = [];
  const backtest = report.backtest as { note?: string | null } | undefined;
  if (backtest?.note) notes.push(backtest.note);
  const worklists = report.worklists as { note?: string | null } | undefined;
  if (worklists?.note) notes.push(worklists.note);
  return notes;
}

/** What a finished run warns about (report.warnings: e.g. too many orders left out, docs/scoring-run.md). */
function runWarnings(report: Record<string, unknown>): string[] {
  return Array.isArray(report.warnings)
    ? report.warnings.filter((w): w is string => typeof w === 'string')
    : [];
}

/** The queues `score` waits on: the run itself and, when it publishes, the call lists. */
export const SCORE_QUEUES = [QUEUES.scoring, QUEUES.worklist] as const;

/**
 * Starts (or joins) a run and shows its progress until it ends. Gives up with a message naming the queue when the
 * run makes no progress and no live worker serves the scoring queue for `stallSeconds`.
 */
export async function runScoring(
  s: CliSession,
  opts: { asOf?: string; horizonDays?: number; publish?: boolean; stallSeconds?: number },
) {
  const runs = s.app.get(ScoreRunService);
  const { run, started } = await runs.start({
    workspaceId: s.workspaceId,
    asOf: opts.asOf,
    horizonDays: opts.horizonDays,
    trigger: 'cli',
    publishWorklists: opts.publish,
  });
  process.stderr.write(
    `${started ? 'started' : 'joined the running'} score run ${run.id} (as of ${run.asOf}, ${s.inProcessWorker ? 'in-process worker' : 'worker processes'})\n`,
  );
  const watch = new QueueWaitWatch({
    heartbeats: s.app.get(WorkerHeartbeatService),
    queue: QUEUES.scoring,
    target: s.queueTarget,
    stallMs: (opts.stallSeconds ?? DEFAULT_STALL_SECONDS) * 1000,
    what: `score run ${run.id}`,
    resume: `run \`callplan score\` again: with no live worker it runs the jobs itself and joins run ${run.id}`,
  }).start();
  const bar = progressBar('score');
  try {
    return await runs.waitFor(s.workspaceId, run.id, (r) => {
      bar.update(r.chunksDone, Math.max(1, r.chunksTotal), `${r.status}, ${r.customersTotal} customers`);
      watch.progress(
        `${r.status} ${r.chunksDone}/${r.chunksTotal} ${r.customersTotal} ${JSON.stringify(r.report)}`,
      );
    });
  } finally {
    watch.stop();
    bar.stop();
  }
}
