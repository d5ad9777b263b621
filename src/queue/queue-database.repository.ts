import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

/** The queue layer's own reads: which workspace a job's row is in, and whether the database answers. */
@Injectable()
export class QueueDatabaseRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * The workspace of row `id` of `table` (a table of ROW_KEYED_JOBS, never caller input), or null when there is no
   * such row. The one read of a row-keyed job outside its workspace's scope: it picks that scope.
   */
  async workspaceOfRow(table: string, id: string): Promise<string | null> {
    const row = await this.crossTenant(`a job's row: which workspace ${table} ${id} is in`, () =>
      // @crossTenant a job's row by primary key, to learn the workspace the job then runs in
      this.first<{ workspace_id: string }>(`SELECT workspace_id FROM ${table} WHERE id = $1`, [id]),
    );
    return row?.workspace_id ?? null;
  }

  /** Whether a fresh statement gets an answer now (after a lost connection). */
  async answers(): Promise<boolean> {
    return this.crossTenant('queue: is the database back', () => this.rows(`SELECT 1`)).then(
      () => true,
      () => false,
    );
  }
}
