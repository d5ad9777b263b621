import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { Transactions } from '../../database/transactions';
import { PiiCipher } from './pii';
import { HashedTable, PiiHashRepository } from './pii-hash.repository';
import { PII_CIPHER } from './pii.tokens';

const TABLES: readonly HashedTable[] = ['customers', 'contacts', 'contact_suppressions', 'crm_sync_rejects'];

export interface HashRotationProgress {
  workspace: string;
  table: HashedTable;
  /** rows re-keyed so far (all workspaces) */
  done: number;
  /** rows holding hashes in the workspaces to re-key when the run started */
  total: number;
}

export interface HashRotationReport {
  toKeyId: string;
  /** workspaces not under the new key when the run started, and of those, the ones re-keyed by this run */
  workspaces: number;
  rekeyed: number;
  rows: number;
  /**
   * wrong-number marks whose number is no longer the customer's phone: nothing holds the number to hash it again,
   * so they keep their old hash (they match nothing now, and would not after either)
   */
  marksKept: number;
  dryRun: boolean;
  seconds: number;
}

/** Test seam: runs inside a workspace's transaction after each batch (a throw there is a crash mid-workspace). */
export interface HashRotationHooks {
  afterBatch?: (p: { workspaceId: string; table: HashedTable; rows: number }) => void | Promise<void>;
}

/**
 * PII_HASH_KEY rotation: recomputes every keyed hash (customers' and contacts' email/phone hashes, wrong-number
 * marks, pull rejects' digests) under the new PII_HASH_KEY from the encrypted values, one workspace per
 * transaction, then marks the workspace as under the new key. Needs PII_HASH_KEY_PREVIOUS (the old key) on every
 * process while it runs: writers of a workspace not re-keyed yet keep hashing with the old key, under a shared
 * lock the re-keying takes exclusively, so a workspace's hashes are all under one key at every commit. A run
 * killed at any point resumes with the next run (finished workspaces carry the new key's fingerprint; the one in
 * progress was rolled back). Once it reports nothing left, PII_HASH_KEY_PREVIOUS can go.
 */
@Injectable()
export class PiiHashRotationService {
  constructor(
    private readonly repo: PiiHashRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
  ) {}

  async rotate(
    opts: {
      batchSize?: number;
      dryRun?: boolean;
      onProgress?: (p: HashRotationProgress) => void;
      hooks?: HashRotationHooks;
    } = {},
  ): Promise<HashRotationReport> {
    const started = Date.now();
    const toKeyId = this.pii.hashKeyId;
    // Without a rotation configured, a workspace never re-keyed (NULL) is under PII_HASH_KEY; one marked with
    // another key means PII_HASH_KEY_PREVIOUS was removed before a rotation finished.
    const todo = await this.repo.toRekey(toKeyId, !this.pii.rotatingHash);
    const report: HashRotationReport = {
      toKeyId,
      workspaces: todo.length,
      rekeyed: 0,
      rows: 0,
      marksKept: 0,
      dryRun: !!opts.dryRun,
      seconds: 0,
    };
    if (todo.length > 0 && !this.pii.rotatingHash) {
      throw new AppError(
        'no_previous_hash_key',
        `${todo.length} workspace(s) have hashes under another key than PII_HASH_KEY, and PII_HASH_KEY_PREVIOUS is not set: ` +
          'set PII_HASH_KEY to the new key and PII_HASH_KEY_PREVIOUS to the old one on every process, then run this again',
        409,
      );
    }
    let total = todo.reduce((n, w) => n + w.rows, 0);
    // workspaces created while the run goes on are under the previous key too: go on until none is left
    for (
      let round = todo;
      !opts.dryRun && round.length > 0;
      round = await this.repo.toRekey(toKeyId, false)
    ) {
      if (round !== todo) {
        report.workspaces += round.length;
        total += round.reduce((n, w) => n + w.rows, 0);
      }
      for (const ws of round) {
        const done = await this.rekeyWorkspace(
          ws.id,
          opts.batchSize ?? 1000,
          opts.hooks,
          (table, n, kept) => {
            report.rows += n;
            report.marksKept += kept;
            opts.onProgress?.({ workspace: ws.slug, table, done: report.rows, total });
          },
        );
        if (done) report.rekeyed++;
      }
    }
    report.seconds = (Date.now() - started) / 1000;
    return report;
  }

  /** One workspace in one transaction; false when another run had re-keyed it meanwhile. */
  private rekeyWorkspace(
    workspaceId: string,
    batchSize: number,
    hooks: HashRotationHooks | undefined,
    onBatch: (table: HashedTable, rows: number, marksKept: number) => void,
  ): Promise<boolean> {
    const toKeyId = this.pii.hashKeyId;
    return this.transactions.run(async (tx) => {
      if ((await this.repo.lockExclusiveKeyId(workspaceId, tx)) === toKeyId) return false;
      for (const table of TABLES) {
        let after: string | null = null;
        for (;;) {
          const rows = await this.repo.batch(table, workspaceId, after, batchSize, tx);
          if (rows.length === 0) break;
          after = rows[rows.length - 1].id;
          const ids: string[] = [];
          const a: Array<Buffer | null> = [];
          const b: Array<Buffer | null> = [];
          let kept = 0;
          for (const r of rows) {
            if (table === 'contact_suppressions') {
              // re-keyed only when the mark is of the customer's phone (the one number there is to hash)
              const phone = r.a ? this.pii.decrypt(r.a) : null;
              if (phone === null || !r.hash || !this.pii.previousHash(phone).equals(r.hash)) {
                kept++;
                continue;
              }
              ids.push(r.id);
              a.push(this.pii.hash(phone));
              b.push(null);
              continue;
            }
            ids.push(r.id);
            a.push(r.a ? this.pii.hash(this.pii.decrypt(r.a)) : null);
            b.push(r.b ? this.pii.hash(this.pii.decrypt(r.b)) : null);
          }
          if (ids.length) await this.repo.write(table, workspaceId, ids, a, b, tx);
          onBatch(table, ids.length, kept);
          await hooks?.afterBatch?.({ workspaceId, table, rows: rows.length });
        }
      }
      await this.repo.setKeyId(workspaceId, toKeyId, tx);
      return true;
    });
  }
}
