import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Injectable } from '@nestjs/common';
import { audit } from '../../audit/audit-entry.repository';
import { AppError } from '../../common/app-error';
import { Transactions } from '../../database/transactions';
import { decodeCsvBytes } from './csv-encoding';
import { resolveCsvHeader } from './csv-header';
import { CsvEncodingError, CsvSyntaxError, readCsvRecords } from './csv-records';
import { CurrencyRate, duplicateRates, MAX_RATES, rateProblems } from './currency-rates';
import { CurrencyRatesRepository } from './currency-rates.repository';

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
    const lineOf: number[] = [];
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
          for (const p of rateProblems({ currency, validFrom, rate }, ws.currency))
            problems.push(`line ${line}, ${CSV_COLUMN[p.field]}: ${p.reason}`);
          rates.push({ currency, validFrom, rate });
          lineOf.push(line);
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
    for (const [first, again] of duplicateRates(rates))
      problems.push(
        `line ${lineOf[again]}: ${rates[again].currency} from ${rates[again].validFrom} again (first on line ${lineOf[first]})`,
      );
    if (problems.length) {
      const shown = problems.slice(0, 20).join('; ');
      const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : '';
      throw new AppError('invalid_rates', `${name}: nothing loaded: ${shown}${more}`, 422, problems);
    }
    await this.save(workspaceId, rates, actor, 'currency_rates.loaded', { file: name }, false);
    return { loaded: rates.length, currencies: currenciesOf(rates) };
  }

  /**
   * `PUT /v1/currency-rates`: the workspace's rate table becomes exactly `rates` (all or nothing; every problem
   * named by its path, `rates[3].rate`). Audited with the table before and after, by currency.
   */
  async replace(
    workspaceId: string,
    body: unknown,
    actor: string,
  ): Promise<{ rates: CurrencyRate[]; currencies: string[] }> {
    const ws = await this.repo.workspaceCurrency(workspaceId);
    if (!ws) throw AppError.notFound('workspace');
    const rates = parseRateTable(body, ws.currency);
    await this.save(workspaceId, rates, actor, 'currency_rates.replaced', {}, true);
    return { rates: await this.repo.list(workspaceId), currencies: currenciesOf(rates) };
  }

  private async save(
    workspaceId: string,
    rates: CurrencyRate[],
    actor: string,
    action: string,
    details: Record<string, unknown>,
    replaceAll: boolean,
  ): Promise<void> {
    await this.transactions.run(async (tx) => {
      const before = replaceAll ? await this.repo.countsByCurrency(workspaceId, tx) : undefined;
      if (replaceAll) await this.repo.removeAll(workspaceId, tx);
      await this.repo.upsert(workspaceId, rates, tx);
      await audit(tx, {
        workspaceId,
        actor,
        action,
        details: {
          ...details,
          rates: rates.length,
          ...(before ? { before, after: countByCurrency(rates) } : {}),
        },
      });
    });
  }

  list(workspaceId: string): Promise<CurrencyRate[]> {
    return this.repo.list(workspaceId);
  }
}

const CSV_COLUMN = { currency: 'currency', validFrom: 'valid_from', rate: 'rate' } as const;

function currenciesOf(rates: CurrencyRate[]): string[] {
  return [...new Set(rates.map((r) => r.currency))].sort();
}

function countByCurrency(rates: CurrencyRate[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rates) out[r.currency] = (out[r.currency] ?? 0) + 1;
  return out;
}

/**
 * The body of `PUT /v1/currency-rates`: `{"rates": [{"currency": "USD", "validFrom": "2026-01-01", "rate": "7.1"}]}`.
 * A rate is a decimal string (exact; a JSON number could already be rounded). Every problem is reported with its
 * path (422 `invalid_rates`).
 */
function parseRateTable(body: unknown, workspaceCurrency: string): CurrencyRate[] {
  const problems: Array<{ path: string; reason: string }> = [];
  const fail = () =>
    new AppError(
      'invalid_rates',
      `nothing saved: ${problems
        .slice(0, 5)
        .map((p) => `${p.path}: ${p.reason}`)
        .join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
      422,
      problems.slice(0, 100),
    );
  const obj = body as { rates?: unknown } | null;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    problems.push({ path: 'body', reason: 'must be an object {"rates": [...]}' });
    throw fail();
  }
  for (const key of Object.keys(obj))
    if (key !== 'rates') problems.push({ path: key, reason: 'unknown field' });
  if (!Array.isArray(obj.rates)) problems.push({ path: 'rates', reason: 'must be an array' });
  else if (obj.rates.length > MAX_RATES)
    problems.push({ path: 'rates', reason: `at most ${MAX_RATES} rates` });
  if (problems.length) throw fail();
  const rates: CurrencyRate[] = [];
  (obj.rates as unknown[]).forEach((item, i) => {
    const r = item as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      problems.push({ path: `rates[${i}]`, reason: 'must be an object {currency, validFrom, rate}' });
      return;
    }
    for (const key of Object.keys(r))
      if (!['currency', 'validFrom', 'rate'].includes(key))
        problems.push({ path: `rates[${i}].${key}`, reason: 'unknown field' });
    const str = (k: 'currency' | 'validFrom' | 'rate') => {
      if (typeof r[k] === 'string') return (r[k] as string).trim();
      problems.push({
        path: `rates[${i}].${k}`,
        reason: r[k] === undefined ? 'is required' : 'must be a string',
      });
      return null;
    };
    const [currency, validFrom, rate] = [str('currency'), str('validFrom'), str('rate')];
    if (currency === null || validFrom === null || rate === null) return;
    const entry = { currency: currency.toUpperCase(), validFrom, rate };
    for (const p of rateProblems(entry, workspaceCurrency))
      problems.push({ path: `rates[${i}].${p.field}`, reason: p.reason });
    rates.push(entry);
  });
  if (problems.length === 0)
    for (const [first, again] of duplicateRates(rates))
      problems.push({
        path: `rates[${again}]`,
        reason: `${rates[again].currency} from ${rates[again].validFrom} again (first at rates[${first}])`,
      });
  if (problems.length) throw fail();
  return rates;
}

function headerError(name: string, messages: string[]): AppError {
  return new AppError(
    'invalid_csv_header',
    `${name}: line 1: ${messages.join('; ')} (expected columns: ${RATE_COLUMNS.required.join(', ')})`,
    422,
  );
}
