import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rm } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
      pipeline(file.stream, out).then(
        () => cb(null, { destination: dir, filename, path, size: out.bytesWritten }),
        (e: Error) => rm(path, { force: true }, () => cb(e)),
      );
    },
    _removeFile(_req: unknown, file: { path: string }, cb: (error: Error | null) => void): void {
      rm(file.path, { force: true }, (e) => cb(e));
    },
  };
}
