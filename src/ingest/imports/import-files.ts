import { createReadStream } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type ImportFilePart = 'upload' | 'rejects';

const PIECE_BYTES = 1 << 20;

/**
 * Files of HTTP imports kept in PostgreSQL in 1 MB pieces: the API process that receives an upload and the worker
 * that imports it need not share a disk (workers run anywhere), and memory holds one piece at a time both ways.
 */
@Injectable()
export class ImportFileStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores a local file as `part` of an import (replacing an earlier one); returns its size in bytes. */
  async save(importId: string, part: ImportFilePart, path: string): Promise<number> {
    await this.remove(importId, part);
    let seq = 0;
    let size = 0;
    for await (const piece of createReadStream(path, { highWaterMark: PIECE_BYTES })) {
      const data = piece as Buffer;
      await this.db.query(`INSERT INTO import_files (import_id, part, seq, data) VALUES ($1, $2, $3, $4)`, [
        importId,
        part,
        seq++,
        data,
      ]);
      size += data.length;
    }
    return size;
  }

  /** Reads a stored part back, piece by piece. */
  async *read(importId: string, part: ImportFilePart): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const [row] = await this.db.query(
        `SELECT data FROM import_files WHERE import_id = $1 AND part = $2 AND seq = $3`,
        [importId, part, seq],
      );
      if (!row) return;
      yield row.data as Buffer;
    }
  }

  async exists(importId: string, part: ImportFilePart): Promise<boolean> {
    const [row] = await this.db.query(
      `SELECT 1 FROM import_files WHERE import_id = $1 AND part = $2 AND seq = 0`,
      [importId, part],
    );
    return !!row;
  }

  async remove(importId: string, part: ImportFilePart): Promise<void> {
    await this.db.query(`DELETE FROM import_files WHERE import_id = $1 AND part = $2`, [importId, part]);
  }
}
