import { Inject, Injectable } from '@nestjs/common';
import { PiiCipher } from './pii';
import { EncryptedColumns, PiiRotationRepository } from './pii-rotation.repository';
import { PII_CIPHER } from './pii.tokens';

/**
 * Every column written with PiiCipher. A new encrypted column must be added here, or rotation would leave it
 * under a key that is about to be removed (the rotation test checks the list against the schema's bytea columns).
 */
export const ENCRYPTED_COLUMNS: EncryptedColumns[] = [
  { table: 'customers', key: 'id', keyType: 'bigint', columns: ['email_enc', 'phone_enc'] },
  { table: 'contacts', key: 'id', keyType: 'bigint', columns: ['email_enc', 'phone_enc'] },
  { table: 'crm_inbox', key: 'id', keyType: 'bigint', columns: ['payload_enc'] },
  { table: 'crm_sync_rejects', key: 'id', keyType: 'bigint', columns: ['payload_enc'] },
  { table: 'crm_connectors', key: 'id', keyType: 'uuid', columns: ['auth_header_value_enc'] },
  { table: 'webhook_endpoints', key: 'id', keyType: 'uuid', columns: ['secret_enc', 'previous_secret_enc'] },
  {
    table: 'crm_webhook_secrets',
    key: 'workspace_id',
    keyType: 'uuid',
    columns: ['current_enc', 'previous_enc'],
  },
];

export interface RotationProgress {
  table: string;
  /** rows re-encrypted so far (all tables) */
  done: number;
  /** rows not under the newest key when the run started (all tables) */
  total: number;
}

export interface RotationReport {
  toVersion: string;
  /** ciphertexts found under older keys before the run, by table and key version */
  found: Record<string, Record<string, number>>;
  rotated: number;
  /** rows changed by someone else between our read and our write: already under the newest key, left alone */
  skipped: number;
  dryRun: boolean;
  seconds: number;
}

/**
 * PII key rotation: re-encrypts, in batches, every ciphertext not written under the newest key of
 * PII_ENCRYPTION_KEYS (the first entry). Each batch is its own short transaction and only replaces a value that
 * is still the one it read, so the run can be interrupted, re-run (it resumes: rows already rotated no longer
 * match) and run beside live traffic. Once it reports nothing left, the older keys can leave the list.
 */
@Injectable()
export class PiiRotationService {
  constructor(
    private readonly ciphertexts: PiiRotationRepository,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
  ) {}

  async rotate(
    opts: { batchSize?: number; dryRun?: boolean; onProgress?: (p: RotationProgress) => void } = {},
  ): Promise<RotationReport> {
    const started = Date.now();
    const toVersion = this.pii.currentVersion;
    const batchSize = opts.batchSize ?? 1000;
    const found: RotationReport['found'] = {};
    let total = 0;
    for (const t of ENCRYPTED_COLUMNS) {
      const rows = await this.ciphertexts.staleVersions(t, toVersion);
      if (rows.length) found[t.table] = Object.fromEntries(rows.map((r) => [r.v, r.n]));
      total += await this.ciphertexts.staleRowCount(t, toVersion);
    }
    const report: RotationReport = {
      toVersion,
      found,
      rotated: 0,
      skipped: 0,
      dryRun: !!opts.dryRun,
      seconds: 0,
    };
    if (!opts.dryRun) {
      for (const t of ENCRYPTED_COLUMNS) {
        await this.rotateTable(t, toVersion, batchSize, (rotated, skipped) => {
          report.rotated += rotated;
          report.skipped += skipped;
          opts.onProgress?.({ table: t.table, done: report.rotated + report.skipped, total });
        });
      }
    }
    report.seconds = (Date.now() - started) / 1000;
    return report;
  }

  private async rotateTable(
    t: EncryptedColumns,
    toVersion: string,
    batchSize: number,
    onBatch: (rotated: number, skipped: number) => void,
  ): Promise<void> {
    let after: string | null = null;
    for (;;) {
      const rows = await this.ciphertexts.staleBatch(t, toVersion, after, batchSize);
      if (rows.length === 0) return;
      after = rows[rows.length - 1].key;
      const keys = rows.map((r) => r.key);
      const olds = t.columns.map((c) => rows.map((r) => r[c] as Buffer | null));
      const news = t.columns.map((c) => rows.map((r) => this.reencrypt(r[c] as Buffer | null, toVersion)));
      const changed = await this.ciphertexts.replaceUnchanged(t, keys, olds, news);
      onBatch(changed, rows.length - changed);
    }
  }

  private reencrypt(blob: Buffer | null, toVersion: string): Buffer | null {
    if (!blob) return null;
    return PiiCipher.versionOf(blob) === toVersion ? blob : this.pii.encrypt(this.pii.decrypt(blob));
  }
}
