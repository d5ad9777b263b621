import { createReadStream } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { CsvEncoding, decodeCsvBytes } from '../csv/csv-encoding';
import { CsvRecordReader } from '../csv/csv-records';
import { ImportFilePart, ImportsRepository } from './imports.repository';

export type { ImportFilePart } from './imports.repository';

const PIECE_BYTES = 1 << 20;

/**
 * Files of HTTP imports kept in PostgreSQL in 1 MB pieces: the API process that receives an upload and the worker
 * that imports it need not share a disk (workers run anywhere), and memory holds one piece at a time both ways.
 */
@Injectable()
export class ImportFileStore {
  constructor(private readonly repo: ImportsRepository) {}

  /** Stores a local file as `part` of an import (replacing an earlier one); returns its size in bytes. */
  async save(importId: string, part: ImportFilePart, path: string): Promise<number> {
    await this.remove(importId, part);
    let seq = 0;
    let size = 0;
    for await (const piece of createReadStream(path, { highWaterMark: PIECE_BYTES })) {
      const data = piece as Buffer;
      await this.repo.addFilePiece(importId, part, seq++, data);
      size += data.length;
    }
    return size;
  }

  /** Reads a stored part back, piece by piece. */
  async *read(importId: string, part: ImportFilePart): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const data = await this.repo.filePiece(importId, part, seq);
      if (!data) return;
      yield data;
    }
  }

  async exists(importId: string, part: ImportFilePart): Promise<boolean> {
    return this.repo.fileExists(importId, part);
  }

  async remove(importId: string, part: ImportFilePart): Promise<void> {
    await this.repo.removeFile(importId, part);
  }
}

/**
 * The first record (the header) of a local CSV file, read with the file's encoding (detected as the import will,
 * unless given); null when the file cannot be read that far — the import itself then reports why, with the line.
 */
export async function readCsvHeader(path: string, encoding?: CsvEncoding): Promise<string[] | null> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  const reader = new CsvRecordReader();
  try {
    for await (const text of decodeCsvBytes(stream as AsyncIterable<Buffer>, encoding, () => {})) {
      const batch = reader.push(text);
      if (batch.records.length) return batch.records[0];
    }
    return reader.push('', true).records[0] ?? null;
  } catch {
    return null;
  } finally {
    stream.destroy();
  }
}
