import { createWriteStream, WriteStream } from 'node:fs';
import { safeCsvText } from '../../common/csv-cell';
import { RowProblem } from './csv-rows';

/**
 * Writes rejected rows (line, column, reason, original values) as CSV, ready to fix and replay. Text cells are
 * neutralised against formula injection (the file is opened in spreadsheets, and the values are the CRM's).
 */
export class RejectWriter {
  private out: WriteStream | null = null;
  private readonly rejectedLines = new Set<number>();
  count = 0;
  warnings = 0;

  constructor(private readonly path: string) {}

  get rejectedRows(): number {
    return this.rejectedLines.size;
  }

  reject(line: number, problems: RowProblem[], raw: Record<string, string>): null {
    this.rejectedLines.add(line);
    for (const p of problems) this.write(line, 'rejected', p, raw);
    return null;
  }

  warn(line: number, problem: RowProblem): void {
    this.warnings++;
    this.write(line, 'warning', problem, {});
  }

  private write(line: number, severity: string, p: RowProblem, raw: Record<string, string>) {
    if (!this.out) {
      this.out = createWriteStream(this.path);
      this.out.write('line,severity,column,reason,row\n');
    }
    this.count++;
    const rowJson = Object.keys(raw).length ? JSON.stringify(raw) : '';
    const cells = [
      String(line),
      severity,
      safeCsvText(p.column),
      safeCsvText(p.reason),
      safeCsvText(rowJson),
    ];
    this.out.write(cells.map(csvCell).join(',') + '\n');
  }

  async close(): Promise<void> {
    const out = this.out;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
