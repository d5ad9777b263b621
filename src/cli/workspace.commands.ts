import { Command } from 'commander';
import { AppError } from '../common/app-error';
import { businessHoursChange, setOptionChange } from '../workspace-settings/command-line-settings';
import { mergeOverrides } from '../workspace-settings/workspace-change';
import {
  WorkspaceSettingsService,
  WorkspaceUpdate,
  WorkspaceView,
} from '../workspace-settings/workspace-settings.service';
import { IMPLICIT_WORKSPACES } from '../workspaces/workspace-fields';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { CliContext, CliError, openContext } from './cli-context';

interface WorkspaceOptions {
  slug?: string;
  name?: string;
  timezone?: string;
  currency?: string;
  locale?: string;
  scoringCron?: string;
  businessHours: string[];
  set: string[];
  json?: boolean;
}

const collect = (v: string, all: string[]) => [...all, v];
const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/**
 * `callplan workspace create|update|show|list`: a workspace's time zone, currency, locale, scoring cron, business
 * hours and any room's setting (`--set`), validated and audited by WorkspaceSettingsService like PATCH /v1/workspace.
 */
export function registerWorkspaceCommands(program: Command): void {
  const workspace = program
    .command('workspace')
    .description(
      'create, change and show workspaces (time zone, currency, locale, business hours, settings)',
    );

  const withSettings = (cmd: Command) =>
    cmd
      .option('--slug <slug>', 'the workspace (default: --workspace)')
      .option('--name <name>', 'display name')
      .option('--timezone <zone>', 'IANA time zone, e.g. Asia/Shanghai, Europe/Berlin')
      .option('--currency <code>', 'ISO 4217 code of the orders that are scored, e.g. CNY, USD')
      .option('--locale <locale>', 'talk-track locale: en | zh-CN')
      .option('--scoring-cron <cron>', 'when the nightly scoring runs (five-field cron, workspace time zone)')
      .option(
        '--business-hours <spec>',
        'when customers may be called: [business:|individual:]DAYS HH:MM-HH:MM, e.g. "mon-fri 09:00-18:00" (repeatable)',
        collect,
        [],
      )
      .option(
        '--set <path=value>',
        'any setting by path, e.g. worklist.contactCaps.core.maxCalls=2 (repeatable; see docs/workspaces.md)',
        collect,
        [],
      )
      .option('--json', 'print the result as JSON');

  withSettings(workspace.command('create').description('create a workspace')).action(
    (opts: WorkspaceOptions, cmd: Command) =>
      withContext(async (s) => {
        const slug = opts.slug ?? globals(cmd).workspace;
        const created = await s.app.get(WorkspaceSettingsService).create(slug, changeOf(opts), 'cli');
        if (opts.json) console.log(JSON.stringify(created, null, 2));
        else console.log(`created workspace ${created.slug}\n${describe(created)}`);
      }),
  );

  withSettings(workspace.command('update').description('change a workspace (audited)')).action(
    (opts: WorkspaceOptions, cmd: Command) =>
      withContext(async (s) => {
        const service = s.app.get(WorkspaceSettingsService);
        const current = await existing(s, opts.slug ?? globals(cmd).workspace);
        const result = await service.update(current.id, changeOf(opts), 'cli');
        if (opts.json) console.log(JSON.stringify(result, null, 2));
        else printUpdate(result);
      }),
  );

  workspace
    .command('show')
    .description('print a workspace and every setting (defaults filled in)')
    .option('--slug <slug>', 'the workspace (default: --workspace)')
    .option('--json', 'print as JSON')
    .action((opts: { slug?: string; json?: boolean }, cmd: Command) =>
      withContext(async (s) => {
        const ws = await existing(s, opts.slug ?? globals(cmd).workspace);
        console.log(opts.json ? JSON.stringify(ws, null, 2) : describe(ws));
      }),
    );
  workspace
    .command('list')
    .description('list the workspaces')
    .action(() =>
      withContext(async (s) => {
        for (const ws of await s.app.get(WorkspacesService).all()) {
          console.log(
            `${ws.slug.padEnd(24)} ${ws.timezone.padEnd(20)} ${ws.currency.trim()}  ${ws.locale.padEnd(6)} ${ws.name}`,
          );
        }
      }),
    );
}

/** The workspace by slug; an implicit one (default, demo) is created as every other command would. */
async function existing(s: CliContext, slug: string): Promise<WorkspaceView> {
  if (IMPLICIT_WORKSPACES.includes(slug)) await s.app.get(WorkspacesService).ensure({ slug });
  return s.app.get(WorkspaceSettingsService).showBySlug(slug);
}

/** Runs `fn` in a CLI context; the service's errors become CLI errors listing each field path. */
async function withContext(fn: (s: CliContext) => Promise<void>): Promise<void> {
  const s = await openContext({});
  try {
    await fn(s);
  } catch (e) {
    if (e instanceof AppError) {
      const issues = Array.isArray(e.details) ? (e.details as Array<{ path: string; message: string }>) : [];
      const lines = issues.length
        ? `${e.code === 'validation_failed' ? 'invalid options' : 'invalid settings'}:\n${issues.map((i) => `  ${cliName(i.path)}: ${i.message}`).join('\n')}`
        : e.message;
      throw new CliError(lines, e.code === 'validation_failed' || e.code === 'invalid_settings' ? 2 : 1);
    }
    throw e;
  } finally {
    await s.close();
  }
}

/** The option a field path comes from, where it has its own (`scoringCron` → --scoring-cron). */
function cliName(path: string): string {
  const options: Record<string, string> = {
    name: '--name',
    timezone: '--timezone',
    currency: '--currency',
    locale: '--locale',
    scoringCron: '--scoring-cron',
    slug: '--slug',
  };
  return options[path] ?? path;
}

function changeOf(opts: WorkspaceOptions): Record<string, unknown> {
  let settings: Record<string, unknown>;
  try {
    settings = mergeOverrides(
      opts.businessHours.length ? businessHoursChange(opts.businessHours) : {},
      setOptionChange(opts.set),
    );
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  const change: Record<string, unknown> = {
    name: opts.name,
    timezone: opts.timezone,
    currency: opts.currency,
    locale: opts.locale,
    scoringCron: opts.scoringCron,
    settings: Object.keys(settings).length ? settings : undefined,
  };
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
}

function describe(ws: WorkspaceView): string {
  const worklist = ws.settings.worklist as
    | {
        businessHours: Record<string, { start: string; end: string; days: number[] }>;
        contactCaps: Record<string, { maxCalls: number; perDays: number }>;
      }
    | undefined;
  const days = (d: number[]) =>
    d.map((n) => ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][n - 1]).join(',');
  const row = (label: string, value: string) => `  ${label.padEnd(17)}${value}`;
  const lines = [
    `workspace ${ws.slug} — ${ws.name}`,
    row('time zone', ws.timezone),
    row('currency', ws.currency),
    row('locale', ws.locale),
    row('scoring cron', `${ws.scoringCron} (${ws.timezone})`),
  ];
  if (worklist) {
    for (const [kind, h] of Object.entries(worklist.businessHours)) {
      lines.push(row(`${kind} hours`, `${days(h.days)} ${h.start}-${h.end}`));
    }
    lines.push(
      row(
        'contact caps',
        Object.entries(worklist.contactCaps)
          .map(([tier, c]) => `${tier} ${c.maxCalls} per ${c.perDays} d`)
          .join(', '),
      ),
    );
  }
  lines.push(row('overrides', JSON.stringify(ws.overrides)));
  for (const i of ws.invalid) lines.push(`  INVALID ${i.path}: ${i.message}`);
  lines.push('  (every setting: workspace show --json)');
  return lines.join('\n');
}

function printUpdate(r: WorkspaceUpdate): void {
  const changed = Object.entries(r.changed);
  if (!changed.length) {
    console.log(`workspace ${r.workspace.slug}: nothing changed`);
    return;
  }
  console.log(`workspace ${r.workspace.slug}: ${changed.length} change(s)`);
  for (const [path, { before, after }] of changed) {
    console.log(`  ${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
  }
  for (const w of r.warnings) console.log(`warning: ${w}`);
}
