import { Command, InvalidArgumentError, Option } from 'commander';
import { SYNC_REJECT_KINDS, SyncRejectsService, SyncRejectView } from '../ingest/sync-rejects.service';
import { openSession } from './cli-context';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/**
 * `callplan sync rejects [--replay]`: what sync accepted and then parked or could not apply (the same list as
 * GET /v1/sync/rejects), and its replay after a fix — failed webhook messages applied in this process.
 */
export function registerRejectsCommand(sync: Command): void {
  sync
    .command('rejects')
    .description(
      'what sync accepted and then parked or could not apply (failed webhook messages, parked records, invalid pull records), with reasons; --replay applies them again after a fix',
    )
    .addOption(new Option('--kind <kind>', 'only this kind').choices([...SYNC_REJECT_KINDS]))
    .option('--limit <n>', 'at most this many, newest first (1-1000)', pageSize, 100)
    .option('--replay', 'apply again (webhook messages in this process, parked and pull records now)')
    .option('--ids <ids...>', 'with --replay: only these ids (as listed)')
    .option('--json', 'print JSON')
    .action(
      async (
        opts: {
          kind?: (typeof SYNC_REJECT_KINDS)[number];
          limit: number;
          replay?: boolean;
          ids?: string[];
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const s = await openSession({ workspace: globals(cmd).workspace });
        try {
          const rejects = s.app.get(SyncRejectsService);
          if (opts.replay) {
            const r = await rejects.replay(s.workspaceId, {
              kind: opts.kind,
              ids: opts.ids,
              inline: true,
              actor: 'cli',
            });
            if (opts.json) console.log(JSON.stringify(r, null, 2));
            else {
              const inbox = 'applied' in r.inbox ? r.inbox : { applied: 0, failed: [] };
              for (const f of inbox.failed) console.error(`inbox:${f.id}: ${f.message}`);
              console.log(
                `replayed: ${inbox.applied} webhook message(s) applied, ${inbox.failed.length} failed; ` +
                  `${r.parked.unparked} parked record(s) applied; pull records: ${r.pull.applied} applied, ` +
                  `${r.pull.stillRejected} still invalid, ${r.pull.skipped} without their connector`,
              );
              console.log(
                `still waiting: ${r.remaining.inbox} inbox, ${r.remaining.parked} parked, ${r.remaining.pull} pull`,
              );
            }
            if ('failed' in r.inbox && r.inbox.failed.length > 0) process.exitCode = 1;
            return;
          }
          const list = await rejects.list(s.workspaceId, opts.limit, opts.kind);
          if (opts.json) {
            console.log(JSON.stringify(list, null, 2));
            return;
          }
          const { inbox, parked, pull } = list.counts;
          console.log(
            `${list.total} waiting (${inbox} failed webhook message(s), ${parked} parked, ${pull} invalid pull record(s))` +
              (list.items.length < list.total ? `, newest ${list.items.length} shown` : ''),
          );
          for (const r of list.items) console.log(line(r));
          if (list.total > 0)
            console.log('replay after a fix: callplan sync rejects --replay [--kind K] [--ids …]');
        } finally {
          await s.close();
        }
      },
    );
}

function line(r: SyncRejectView): string {
  const what = [r.entity, r.externalId].filter(Boolean).join(' ') || r.origin;
  const paths = r.problems.map((p) => p.path).join(', ');
  return `${r.id}  ${what}  ${r.reason.code}: ${r.reason.message}${paths && r.kind !== 'pull' ? ` [${paths}]` : ''}`;
}

function pageSize(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('--limit must be an integer 1-1000');
  return n;
}
