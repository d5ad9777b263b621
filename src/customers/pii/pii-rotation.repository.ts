import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';

/** A table holding PiiCipher ciphertexts: its key column and the encrypted columns. */
export interface EncryptedColumns {
  table: string;
  key: string;
  keyType: 'bigint' | 'uuid';
  columns: string[];
}

/** A row to re-encrypt: its key (as text) and each encrypted column's ciphertext. */
export type CiphertextRow = { key: string } & Record<string, Buffer | string | null>;

/** The key version of a ciphertext, in SQL (layout: [version length][version][iv][tag][body], see PiiCipher). */
const versionOf = (col: string) => `convert_from(substring(${col} FROM 2 FOR get_byte(${col}, 0)), 'UTF8')`;
const stale = (t: EncryptedColumns) =>
  t.columns.map((c) => `(${c} IS NOT NULL AND ${versionOf(c)} <> $1)`).join(' OR ');

/**
 * The statements of PII key rotation. Rotation is an operator's job over the whole database, every workspace at
 * once, so these statements go by table and key rather than by workspace.
 */
@Injectable()
export class PiiRotationRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Ciphertexts not under `toVersion`, counted by key version (one count per ciphertext). */
  staleVersions(t: EncryptedColumns, toVersion: string): Promise<Array<{ v: string; n: number }>> {
    const versions = t.columns
      .map(
        (c) => `SELECT ${versionOf(c)} AS v FROM ${t.table} WHERE ${c} IS NOT NULL AND ${versionOf(c)} <> $1`,
      )
      .join(' UNION ALL ');
    return this.rows<{ v: string; n: number }>(
      // @crossTenant key rotation covers every workspace
      `SELECT v, count(*)::int AS n FROM (${versions}) x GROUP BY v ORDER BY v`,
      [toVersion],
    );
  }

  /** Rows with at least one ciphertext not under `toVersion`. */
  async staleRowCount(t: EncryptedColumns, toVersion: string): Promise<number> {
    const [{ n }] = await this.rows<{ n: number }>(
      // @crossTenant key rotation covers every workspace
      `SELECT count(*)::int AS n FROM ${t.table} WHERE ${stale(t)}`,
      [toVersion],
    );
    return n;
  }

  /** The next batch of stale rows after key `after` (null: from the start), in key order. */
  staleBatch(
    t: EncryptedColumns,
    toVersion: string,
    after: string | null,
    batchSize: number,
  ): Promise<CiphertextRow[]> {
    return this.rows<CiphertextRow>(
      // @crossTenant key rotation covers every workspace
      `SELECT ${t.key}::text AS key, ${t.columns.join(', ')} FROM ${t.table}
         WHERE ($2::${t.keyType} IS NULL OR ${t.key} > $2::${t.keyType}) AND (${stale(t)})
         ORDER BY ${t.key} LIMIT $3`,
      [toVersion, after, batchSize],
    );
  }

  /**
   * Writes the new ciphertexts of a batch, each only where the column still holds the old one it replaces (a row
   * changed meanwhile is left alone); answers how many rows changed. `olds[i]`/`news[i]` are column i's values.
   */
  async replaceUnchanged(
    t: EncryptedColumns,
    keys: string[],
    olds: Array<Array<Buffer | null>>,
    news: Array<Array<Buffer | null>>,
  ): Promise<number> {
    // [key, old1, new1, old2, new2, …] as parallel arrays for one UPDATE … FROM unnest(…)
    const sets = t.columns
      .map((c, i) => `${c} = CASE WHEN t.${c} = v.old${i} THEN v.new${i} ELSE t.${c} END`)
      .join(', ');
    const cols = t.columns.map((_, i) => `old${i}, new${i}`).join(', ');
    const arrays = t.columns.map((_, i) => `$${2 + 2 * i}::bytea[], $${3 + 2 * i}::bytea[]`).join(', ');
    const params: unknown[] = [keys];
    t.columns.forEach((_, i) => params.push(olds[i], news[i]));
    const updated: unknown = await this.db.query(
      // @crossTenant key rotation covers every workspace
      `UPDATE ${t.table} t SET ${sets}
         FROM unnest($1::${t.keyType}[], ${arrays}) AS v(key, ${cols})
         WHERE t.${t.key} = v.key AND (${t.columns.map((c, i) => `t.${c} = v.old${i}`).join(' OR ')})`,
      params,
    );
    return Array.isArray(updated) && typeof updated[1] === 'number' ? updated[1] : 0;
  }
}
