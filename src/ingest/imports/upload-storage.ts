import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rm } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../../common/app-error';
import { sanitiseHost, uploadFileName, UploadOwner } from './upload-files';

/** This process as the owner of the upload files it writes (the nonce tells it from an earlier process with its pid). */
export const THIS_PROCESS: UploadOwner = {
  host: sanitiseHost(hostname()),
  pid: process.pid,
  nonce: randomBytes(4).toString('hex'),
};

type Done = (
  error: Error | null,
  info?: { destination: string; filename: string; path: string; size: number },
) => void;

/**
 * Multer's storage for POST /v1/imports: like its disk storage (the body streams to a file, never into memory), with
 * files named after their owner process, so the recovery sweep can tell a crash's leftovers from a live upload.
 */
export function uploadStorage(dir: string) {
  mkdirSync(dir, { recursive: true });
  return {
    _handleFile(_req: unknown, file: { stream: Readable }, cb: Done): void {
      const filename = uploadFileName(THIS_PROCESS, randomBytes(8).toString('hex'));
      const path = join(dir, filename);
      const out = createWriteStream(path);
      let ended = false;
      const fail = (e: Error) => {
        if (ended) return;
        ended = true;
        rm(path, { force: true }, () => cb(e));
      };
      // not stream.pipeline: it would destroy the part's stream with a write error, which multer reports as is
      // (a bare 500) before this storage can say what went wrong
      out.once('error', (e) => {
        file.stream.unpipe(out);
        file.stream.resume(); // read the rest of the part, so the client gets the answer instead of a reset
        fail(storageError(e));
      });
      file.stream.once('error', (e) => (out.destroy(), fail(e)));
      out.once('finish', () => {
        if (ended) return;
        ended = true;
        cb(null, { destination: dir, filename, path, size: out.bytesWritten });
      });
      file.stream.pipe(out);
    },
    _removeFile(_req: unknown, file: { path: string }, cb: (error: Error | null) => void): void {
      rm(file.path, { force: true }, (e) => cb(e));
    },
  };
}

/** A full disk (or quota) is the server's condition, not the client's mistake: 507 with a code, never a bare 500. */
function storageError(e: Error): Error {
  const code = (e as { code?: string }).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new AppError(
      'insufficient_storage',
      'the server has no room to store this upload now; nothing was imported, try again later',
      507,
    );
  return e;
}
