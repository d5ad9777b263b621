import { Injectable } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import { Transactions } from '../database/transactions';
import { CrmInboxService } from './events/crm-inbox.service';
import { PullConnectorService } from './pull/pull-connector.service';
import { RecordSyncService } from './sync/record-sync.service';
import {
  SYNC_REJECT_KINDS,
  SyncRejectKind,
  SyncRejectListRow,
  SyncRejectsRepository,
} from './sync/sync-rejects.repository';

export { SYNC_REJECT_KINDS } from './sync/sync-rejects.repository';
export type { SyncRejectKind } from './sync/sync-rejects.repository';

export interface SyncRejectView {
  /** `inbox:<row id>`, `pull:<reject id>` or `parked:<key>`: what `POST /v1/sync/rejects/replay {"ids"}` takes */
  id: string;
  kind: SyncRejectKind;
  source: string | null;
  /** `webhook:<webhook-id>`, `pull:<connector>`, or the parked record's source */
  origin: string;
  entity: string | null;
  externalId: string | null;
  reason: { code: string; message: string };
  /** each problem with the field path it concerns (`customers[0].data.updatedAt`, `customerExternalId`) */
  problems: Array<{ path: string; code: string; message: string }>;
  attempts: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** how it gets applied: by itself (a parked record when its customer arrives) or by a replay after a fix */
  replay: { automatic: boolean; how: string };
}

export interface ReplayReport {
  /** failed webhook messages: queued again (HTTP) or applied in this process (CLI) */
  inbox: { queued: number } | { applied: number; failed: Array<{ id: string; message: string }> };
  /** parked records whose customer exists now, applied */
  parked: { unparked: number };
  /** pull records mapped and validated again: applied now, still invalid, connector gone or disabled */
  pull: { applied: number; stillRejected: number; skipped: number };
  /** what still waits, per kind */
  remaining: Record<SyncRejectKind, number>;
}

const REPLAY_HOW: Record<SyncRejectKind, string> = {
  inbox:
    'fix the cause (the message is stored whole), then POST /v1/sync/rejects/replay {"ids":["<id>"]} or `callplan sync rejects --replay`',
  parked:
    'applied by itself as soon as the customer arrives (webhook, pull or CSV import); a replay re-checks every parked record',
  pull: "fix the connector's mapping (or the record in the CRM), then replay: the stored record is mapped and validated again",
};

/**
 * One list of what sync accepted and then could not apply — failed webhook messages, records parked for a missing
 * customer, records a pull found invalid — with the reason, the field paths and how each gets applied; and the
 * replay after a fix, through each path's own code (CrmInboxService.reprocess / applyNow,
 * RecordSyncService.resolveParked, PullConnectorService.replayRejects).
 */
@Injectable()
export class SyncRejectsService {
  constructor(
    private readonly repo: SyncRejectsRepository,
    private readonly inbox: CrmInboxService,
    private readonly sync: RecordSyncService,
    private readonly pull: PullConnectorService,
    private readonly transactions: Transactions,
  ) {}

  async list(
    workspaceId: string,
    limit: number,
    kind?: SyncRejectKind,
  ): Promise<{ total: number; counts: Record<SyncRejectKind, number>; items: SyncRejectView[] }> {
    const [rows, counts] = await Promise.all([
      this.repo.list(workspaceId, kind ?? null, limit),
      this.repo.counts(workspaceId),
    ]);
    const total = kind ? counts[kind] : counts.inbox + counts.parked + counts.pull;
    return { total, counts, items: rows.map(view) };
  }

  /**
   * Replays what waits (`kind` and/or `ids` narrow it). `inline`: failed webhook messages are applied in this
   * process (the CLI); otherwise they are queued for the workers, as `POST /v1/crm/inbox/reprocess` does.
   */
  async replay(
    workspaceId: string,
    opts: { kind?: SyncRejectKind; ids?: string[]; inline?: boolean; actor: string },
  ): Promise<ReplayReport> {
    const byKind = splitIds(opts.ids);
    const wants = (k: SyncRejectKind) =>
      (opts.kind === undefined || opts.kind === k) && (byKind === null || byKind[k].length > 0);
    const report: ReplayReport = {
      inbox: opts.inline ? { applied: 0, failed: [] } : { queued: 0 },
      parked: { unparked: 0 },
      pull: { applied: 0, stillRejected: 0, skipped: 0 },
      remaining: { inbox: 0, parked: 0, pull: 0 },
    };
    if (wants('inbox')) {
      const ids = byKind?.inbox ?? null;
      if (opts.inline) report.inbox = await this.inbox.applyNow(await this.inbox.failedIds(workspaceId, ids));
      else {
        const queued = await this.inbox.reprocess({
          workspaceId,
          statuses: ['failed'],
          ...(ids ? { ids } : {}),
        });
        report.inbox = { queued };
      }
    }
    // parked records apply set-based per workspace and source: a replay re-checks all of them
    if (wants('parked')) report.parked.unparked = await this.sync.resolveParked(workspaceId);
    if (wants('pull')) report.pull = await this.pull.replayRejects(workspaceId, byKind?.pull ?? null);
    report.remaining = await this.repo.counts(workspaceId);
    await this.transactions.run((tx) =>
      audit(tx, {
        workspaceId,
        actor: opts.actor,
        action: 'sync.rejects_replayed',
        details: {
          ...(opts.kind ? { kind: opts.kind } : {}),
          ...(opts.ids ? { ids: opts.ids.length } : {}),
          inbox:
            'queued' in report.inbox
              ? report.inbox
              : { applied: report.inbox.applied, failed: report.inbox.failed.length },
          parked: report.parked,
          pull: report.pull,
        },
      }),
    );
    return report;
  }
}

/** `inbox:42` → inbox ids; `parked:…` only says "parked"; null when no ids were given. */
function splitIds(ids: string[] | undefined): Record<SyncRejectKind, string[]> | null {
  if (ids === undefined) return null;
  const out: Record<SyncRejectKind, string[]> = { inbox: [], parked: [], pull: [] };
  const bad: Array<{ path: string; message: string }> = [];
  ids.forEach((id, i) => {
    const m = /^(inbox|pull):(\d{1,18})$/.exec(id) ?? /^(parked):([A-Za-z0-9_-]{1,2000})$/.exec(id);
    if (!m)
      bad.push({ path: `ids[${i}]`, message: `"${id.slice(0, 80)}" is not an id from GET /v1/sync/rejects` });
    else out[m[1] as SyncRejectKind].push(m[2]);
  });
  if (bad.length) throw new AppError('invalid_reject_ids', bad[0].message, 422, bad);
  return out;
}

function view(r: SyncRejectListRow): SyncRejectView {
  const base = {
    kind: r.kind,
    source: r.source,
    origin: r.origin,
    entity: r.entity,
    externalId: r.external_id,
    attempts: r.attempts,
    firstSeenAt: r.first_at,
    lastSeenAt: r.last_at,
    replay: { automatic: r.kind === 'parked', how: REPLAY_HOW[r.kind] },
  };
  if (r.kind === 'parked') {
    const message = `waits for customer "${r.customer_external_id}" (source ${r.source}), not known yet`;
    return {
      ...base,
      id: `parked:${Buffer.from(r.key).toString('base64url')}`,
      reason: { code: r.reason, message },
      problems: [{ path: 'customerExternalId', code: r.reason, message }],
    };
  }
  if (r.kind === 'pull') {
    const problems = r.problems ?? [];
    const message = problems
      .slice(0, 3)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    return { ...base, id: `pull:${r.key}`, reason: { code: r.reason, message }, problems };
  }
  return {
    ...base,
    id: `inbox:${r.key}`,
    reason: { code: r.reason, message: r.message ?? 'failed while applying' },
    problems: [],
  };
}

export function isSyncRejectKind(v: string): v is SyncRejectKind {
  return (SYNC_REJECT_KINDS as readonly string[]).includes(v);
}
