import { Command, InvalidArgumentError, Option } from 'commander';
import { CONFLICT_FIELDS } from '../ingest/sync/field-ownership';
import { FieldConflictsService, FieldConflictView } from '../ingest/sync/field-conflicts.service';
import { openSession } from './cli-context';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/**
 * `callplan sync conflicts`: the CRM values a sync or re-import did not apply because Callplan owns the field
 * (the same list as GET /v1/sync/conflicts; docs/crm-sync.md#field-ownership).
 */
export function registerConflictsCommand(sync: Command): void {
  sync
    .command('conflicts')
    .description("CRM values not applied because Callplan owns the field (assignments, reps' tags)")
    .addOption(new Option('--field <field>', 'only this field').choices([...CONFLICT_FIELDS]))
    .option('--limit <n>', 'at most this many, newest first (1-1000)', pageSize, 100)
    .option('--json', 'print JSON')
    .action(async (opts: { field?: string; limit: number; json?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const { total, items } = await s.app
          .get(FieldConflictsService)
          .list(s.workspaceId, opts.limit, opts.field);
        if (opts.json) {
          console.log(JSON.stringify({ total, items }, null, 2));
          return;
        }
        console.log(`${total} conflict(s)${items.length < total ? `, newest ${items.length} shown` : ''}`);
        for (const c of items) console.log(line(c));
      } finally {
        await s.close();
      }
    });
}

function line(c: FieldConflictView): string {
  const at = (d: Date | null) => d?.toISOString() ?? '?';
  return (
    `${c.customer.externalId} ${c.field}: CRM (${c.crm.source}, ${at(c.crm.at)}) says ${c.crm.value ?? '(empty)'}; ` +
    `kept ${c.kept.value ?? '(empty)'} (${c.kept.source ?? '?'}, ${at(c.kept.at)}); refused ${c.occurrences} time(s)`
  );
}

function pageSize(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('--limit must be an integer 1-1000');
  return n;
}
