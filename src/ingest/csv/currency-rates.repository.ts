import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';
import { CurrencyRate } from './currency-rates';

/** A workspace's exchange rates (`currency_rates`): what imports convert orders with. */
@Injectable()
export class CurrencyRatesRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  workspaceCurrency(workspaceId: string): Promise<{ currency: string } | undefined> {
    return this.first(`SELECT currency FROM workspaces WHERE id = $1`, [workspaceId]);
  }

  /** Adds the rates, replacing a rate of the same currency and day. */
  async upsert(workspaceId: string, rates: CurrencyRate[], tx: Tx): Promise<void> {
    await this.exec(
      `INSERT INTO currency_rates (workspace_id, currency, valid_from, rate)
       SELECT $1, r.currency, r.valid_from::date, r.rate::numeric
       FROM unnest($2::text[], $3::text[], $4::text[]) AS r(currency, valid_from, rate)
       ON CONFLICT (workspace_id, currency, valid_from) DO UPDATE SET rate = EXCLUDED.rate, loaded_at = now()`,
      [workspaceId, rates.map((r) => r.currency), rates.map((r) => r.validFrom), rates.map((r) => r.rate)],
      tx,
    );
  }

  list(workspaceId: string): Promise<CurrencyRate[]> {
    return this.rows(
      `SELECT currency, to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", rtrim(rtrim(rate::text, '0'), '.') AS rate
       FROM currency_rates WHERE workspace_id = $1 ORDER BY currency, valid_from`,
      [workspaceId],
    );
  }

  async removeAll(workspaceId: string, tx: Tx): Promise<void> {
    await this.exec(`DELETE FROM currency_rates WHERE workspace_id = $1`, [workspaceId], tx);
  }

  async countsByCurrency(workspaceId: string, tx: Tx): Promise<Record<string, number>> {
    const rows = await this.rows<{ currency: string; n: number }>(
      `SELECT currency, count(*)::int AS n FROM currency_rates WHERE workspace_id = $1 GROUP BY 1 ORDER BY 1`,
      [workspaceId],
      tx,
    );
    return Object.fromEntries(rows.map((r) => [r.currency, r.n]));
  }
}
