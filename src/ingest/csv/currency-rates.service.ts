import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Injectable } from '@nestjs/common';
import { audit } from '../../audit/audit-entry.repository';
import { AppError } from '../../common/app-error';
import { Transactions } from '../../database/transactions';
import { isDay } from '../../worklist/zoned-time';
import { decodeCsvBytes } from './csv-encoding';
import { resolveCsvHeader } from './csv-header';
import { CsvEncodingError, CsvSyntaxError, readCsvRecords } from './csv-records';
import { CurrencyRate, parseRate } from './currency-rates';
import { CurrencyRatesRepository } from './currency-rates.repository';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const MAX_RATES = 100_000;
const RATE_COLUMNS = { label: 'rate table', required: ['currency', 'valid_from', 'rate'], optional: [] };

/**
 * Loads a workspace's rate table from a CSV (`currency,valid_from,rate`: units of the workspace currency per unit
 * of `currency`, from that day on). All or nothing: a table with a bad line would convert orders wrongly, so any
 * problem refuses the file with every line and column at fault.
 */
@Injectable()
export class CurrencyRatesService {
  constructor(
    private readonly repo: CurrencyRatesRepository,
    private readonly transactions: Transactions,
  ) {}

  async load(
    workspaceId: string,
    file: string,
    actor: string,
  ): Promise<{ loaded: number; currencies: string[] }> {
    const ws = await this.repo.workspaceCurrency(workspaceId);
    if (!ws) throw AppError.notFound('workspace');
    const name = basename(file);
    const rates: CurrencyRate[] = [];
    const problems: string[] = [];
    let columns: Map<string, number | number[]> | null = null;
    try {
      const input = createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>;
      for await (const { records, lines } of readCsvRecords(
        decodeCsvBytes(input, undefined, () => undefined),
      )) {
        for (let r = 0; r < records.length; r++) {
          if (!columns) {
            const header = resolveCsvHeader(RATE_COLUMNS, records[r]);
            columns = header.ok ? header.columns : null;
            if (!header.ok)
              throw headerError(
                name,
                header.problems.map((p) => p.message),
              );
            continue;
          }
          const at = (col: string) => (records[r][columns!.get(col) as number] ?? '').trim();
          const line = lines[r];
          const currency = at('currency').toUpperCase();
          const validFrom = at('valid_from');
          const rate = at('rate');
          if (!CURRENCIES.has(currency))
            problems.push(`line ${line}, currency: unknown currency "${currency}"`);
          else if (currency === ws.currency)
            problems.push(`line ${line}, currency: ${currency} is the workspace currency (its rate is 1)`);
          if (!isDay(validFrom))
            problems.push(`line ${line}, valid_from: "${validFrom}" is not a day YYYY-MM-DD`);
          if (parseRate(rate) === null)
            problems.push(`line ${line}, rate: "${rate}" is not a positive decimal with at most 12 decimals`);
          rates.push({ currency, validFrom, rate });
          if (rates.length > MAX_RATES)
            throw new AppError('too_many_rates', `${name}: more than ${MAX_RATES} rates`);
        }
      }
    } catch (e) {
      if (e instanceof CsvSyntaxError || e instanceof CsvEncodingError)
        throw new AppError('malformed_csv', `${name}: ${e.message}`, 422);
      throw e;
    }
    if (!columns) throw headerError(name, ['the file has no header row']);
    if (problems.length) {
      const shown = problems.slice(0, 20).join('; ');
      const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : '';
      throw new AppError('invalid_rates', `${name}: nothing loaded: ${shown}${more}`, 422, problems);
    }
    await this.transactions.run(async (tx) => {
      await this.repo.upsert(workspaceId, rates, tx);
      await audit(tx, {
        workspaceId,
        actor,
        action: 'currency_rates.loaded',
        details: { file: name, rates: rates.length },
      });
    });
    return { loaded: rates.length, currencies: [...new Set(rates.map((r) => r.currency))].sort() };
  }

  list(workspaceId: string): Promise<CurrencyRate[]> {
    return this.repo.list(workspaceId);
  }
}

function headerError(name: string, messages: string[]): AppError {
  return new AppError(
    'invalid_csv_header',
    `${name}: line 1: ${messages.join('; ')} (expected columns: ${RATE_COLUMNS.required.join(', ')})`,
    422,
  );
}
