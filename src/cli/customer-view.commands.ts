import { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DedupeService } from '../customers/dedupe/dedupe.service';
import { CandidateStatus } from '../customers/merge/merge-candidates.repository';
import { MergeCandidate, MergeCandidatesService } from '../customers/merge/merge-candidates.service';
import { PiiHashRotationService } from '../customers/pii/pii-hash-rotation.service';
import { PiiRotationService } from '../customers/pii/pii-rotation.service';
import { CliError, openSession } from './cli-context';
import { positiveInt } from './cli-options';
import { progressBar } from './progress';
import { isUuid } from '../common/uuid';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

const STATUSES: CandidateStatus[] = ['pending', 'accepted', 'rejected', 'superseded'];

const candidateId = (v: string) => {
  if (!isUuid(v))
    throw new InvalidArgumentError(`'${v}' is not a candidate id (a uuid from "dedupe review list")`);
  return v;
};
const status = (v: string) => {
  if (!STATUSES.includes(v as CandidateStatus)) {
    throw new InvalidArgumentError(`--status must be one of ${STATUSES.join(', ')}`);
  }
  return v as CandidateStatus;
};

/** One line per candidate: id, status, shared keys, the two customers. */
function candidateLine(c: MergeCandidate): string {
  const who = (x: MergeCandidate['customers'][number]) => `${x.externalId} "${x.name ?? '?'}" (#${x.id})`;
  return `${c.id}  ${c.status.padEnd(10)} shares ${c.shared.join('+').padEnd(11)} ${who(c.customers[0])}  ⇄  ${who(c.customers[1])}`;
}

/** `callplan dedupe [review]` and `callplan pii rotate`: the one customer view and the protection of personal data. */
export function registerCustomerViewCommands(program: Command): void {
  const dedupe = program
    .command('dedupe')
    .description(
      'merge customers of the workspace that share a normalised email or phone and whose names agree (audited, ' +
        'undoable); pairs sharing a key alone are proposed for review (see "dedupe review")',
    )
    .option('--dry-run', 'only count the duplicates that would be merged')
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const report = await s.app
          .get(DedupeService)
          .run(s.workspaceId, { actor: 'cli', dryRun: opts.dryRun });
        console.log(JSON.stringify(report, null, 2));
      } finally {
        await s.close();
      }
    });

  registerReviewCommands(dedupe);
  registerPiiCommands(program);
}

/** `dedupe review list|accept|reject`: the pairs that share a key but not a name. */
function registerReviewCommands(dedupe: Command): void {
  const review = dedupe
    .command('review')
    .description('possible duplicates (a shared email or phone, names that differ) awaiting a decision');
  review
    .command('list')
    .description('list candidates, newest first')
    .option('--status <status>', `pending | accepted | rejected | superseded`, status, 'pending')
    .option('--limit <n>', 'candidates per page (1–500)', positiveInt('--limit'), 50)
    .option('--before <id>', 'the next page: candidates older than this one', candidateId)
    .action(async (opts: { status: CandidateStatus; limit: number; before?: string }, cmd: Command) => {
      if (opts.limit < 1 || opts.limit > 500) throw new CliError('--limit must be in 1..500');
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const page = await s.app
          .get(MergeCandidatesService)
          .page(s.workspaceId, { ownerRepIds: null, actor: 'cli' }, opts);
        for (const c of page.items) console.log(candidateLine(c));
        if (page.items.length === 0) console.log(`no ${opts.status} candidates`);
        if (page.nextBefore)
          console.log(`more: dedupe review list --status ${opts.status} --before ${page.nextBefore}`);
      } finally {
        await s.close();
      }
    });
  for (const decision of ['accept', 'reject'] as const) {
    review
      .command(decision)
      .argument('<id>', 'the candidate id (from "dedupe review list")', candidateId)
      .description(
        decision === 'accept'
          ? 'merge the two customers (the older record wins; undo with the merges API)'
          : 'keep the two customers apart: never merged automatically nor proposed again',
      )
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const s = await openSession({ workspace: globals(cmd).workspace });
        try {
          const svc = s.app.get(MergeCandidatesService);
          const who = { ownerRepIds: null, actor: 'cli' };
          const c =
            decision === 'accept'
              ? await svc.accept(s.workspaceId, who, id)
              : await svc.reject(s.workspaceId, who, id);
          console.log(candidateLine(c));
          if (c.mergeId) console.log(`merge ${c.mergeId}`);
        } finally {
          await s.close();
        }
      });
  }
}

/** `pii rotate`: re-encryption under the newest key. */
function registerPiiCommands(program: Command): void {
  const pii = program.command('pii').description('personal data protection');
  pii
    .command('rotate')
    .description(
      're-encrypt every ciphertext not under the newest key of PII_ENCRYPTION_KEYS (all workspaces; resumable)',
    )
    .option('--batch-size <n>', 'rows per transaction', positiveInt('--batch-size'), 1000)
    .option('--dry-run', 'only count the rows under older keys, by table and key version')
    .action(async (opts: { batchSize: number; dryRun?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      const bar = progressBar('pii rotate');
      try {
        const report = await s.app.get(PiiRotationService).rotate({
          batchSize: Math.max(1, opts.batchSize),
          dryRun: opts.dryRun,
          onProgress: (p) =>
            bar.update(p.done, Math.max(1, p.total), `${p.table}: ${p.done} of ${p.total} rows`),
        });
        bar.stop();
        console.log(JSON.stringify(report, null, 2));
        if (!opts.dryRun) {
          process.stderr.write(
            `every ciphertext is now under key "${report.toVersion}"; older keys may leave PII_ENCRYPTION_KEYS\n`,
          );
        }
      } finally {
        bar.stop();
        await s.close();
      }
    });
  pii
    .command('rotate-hash')
    .description(
      're-key the email/phone hashes and digests under PII_HASH_KEY, needs PII_HASH_KEY_PREVIOUS (all workspaces, one transaction each; resumable)',
    )
    .option('--batch-size <n>', 'rows per statement', positiveInt('--batch-size'), 1000)
    .option('--dry-run', 'only list how many workspaces and rows are still under the previous key')
    .action(async (opts: { batchSize: number; dryRun?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      const bar = progressBar('pii rotate-hash');
      try {
        const report = await s.app.get(PiiHashRotationService).rotate({
          batchSize: opts.batchSize,
          dryRun: opts.dryRun,
          onProgress: (p) =>
            bar.update(
              p.done,
              Math.max(1, p.total),
              `${p.workspace} ${p.table}: ${p.done} of ${p.total} rows`,
            ),
        });
        bar.stop();
        console.log(JSON.stringify(report, null, 2));
        if (!opts.dryRun) {
          process.stderr.write(
            `every workspace's hashes are now under PII_HASH_KEY (key id ${report.toKeyId}); PII_HASH_KEY_PREVIOUS may go\n`,
          );
        }
      } finally {
        bar.stop();
        await s.close();
      }
    });
}
