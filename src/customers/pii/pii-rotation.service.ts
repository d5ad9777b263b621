import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PII_CIPHER } from './pii.tokens';
import { PiiCipher } from './pii';

/** A table holding PiiCipher ciphertexts: its key column and the encrypted columns. */
interface EncryptedColumns {
  table: string;
  key: string;
  keyType: 'bigint' | 'uuid';
  columns: string[];
}

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

/** The key version of a ciphertext, in SQL (layout: [version length][version][iv][tag][body], see PiiCipher). */
const versionOf = (col: string) => `convert_from(substring(${col} FROM 2 FOR get_byte(${col}, 0)), 'UTF8')`;
const stale = (t: EncryptedColumns) =>
  t.columns.map((c) => `(${c} IS NOT NULL AND ${versionOf(c)} <> $1)`).join(' OR ');

/**
 * PII key rotation: re-encrypts, in batches, every ciphertext not written under the newest key of
 * PII_ENCRYPTION_KEYS (the first entry). Each batch is its own short transaction and only replaces a value that
 * is still the one it read, so the run can be interrupted, re-run (it resumes: rows already rotated no longer
 * match) and run beside live traffic. Once it reports nothing left, the older keys can leave the list.
 */
@Injectable()
export class PiiRotationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
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
      const versions = t.columns
        .map(
          (c) =>
            `SELECT ${versionOf(c)} AS v FROM ${t.table} WHERE ${c} IS NOT NULL AND ${versionOf(c)} <> $1`,
        )
        .join(' UNION ALL ');
      const rows: Array<{ v: string; n: number }> = await this.db.query(
        `SELECT v, count(*)::int AS n FROM (${versions}) x GROUP BY v ORDER BY v`,
        [toVersion],
      );
      if (rows.length) found[t.table] = Object.fromEntries(rows.map((r) => [r.v, r.n]));
      const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM ${t.table} WHERE ${stale(t)}`, [
        toVersion,
      ]);
      total += n;
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
      const rows: Array<Record<string, Buffer | string | null>> = await this.db.query(
        `SELECT ${t.key}::text AS key, ${t.columns.join(', ')} FROM ${t.table}
         WHERE ($2::${t.keyType} IS NULL OR ${t.key} > $2::${t.keyType}) AND (${stale(t)})
         ORDER BY ${t.key} LIMIT $3`,
        [toVersion, after, batchSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].key as string;
      // [key, old1, new1, old2, new2, …] as parallel arrays for one UPDATE … FROM unnest(…)
      const keys = rows.map((r) => r.key as string);
      const olds = t.columns.map((c) => rows.map((r) => r[c] as Buffer | null));
      const news = t.columns.map((c) => rows.map((r) => this.reencrypt(r[c] as Buffer | null, toVersion)));
      const sets = t.columns
        .map((c, i) => `${c} = CASE WHEN t.${c} = v.old${i} THEN v.new${i} ELSE t.${c} END`)
        .join(', ');
      const cols = t.columns.map((_, i) => `old${i}, new${i}`).join(', ');
      const arrays = t.columns.map((_, i) => `$${2 + 2 * i}::bytea[], $${3 + 2 * i}::bytea[]`).join(', ');
      const params: unknown[] = [keys];
      t.columns.forEach((_, i) => params.push(olds[i], news[i]));
      const updated: unknown = await this.db.query(
        `UPDATE ${t.table} t SET ${sets}
         FROM unnest($1::${t.keyType}[], ${arrays}) AS v(key, ${cols})
         WHERE t.${t.key} = v.key AND (${t.columns.map((c, i) => `t.${c} = v.old${i}`).join(' OR ')})`,
        params,
      );
      const changed = Array.isArray(updated) && typeof updated[1] === 'number' ? updated[1] : 0;
      onBatch(changed, rows.length - changed);
    }
  }

  private reencrypt(blob: Buffer | null, toVersion: string): Buffer | null {
    if (!blob) return null;
    return PiiCipher.versionOf(blob) === toVersion ? blob : this.pii.encrypt(this.pii.decrypt(blob));
  }
}
