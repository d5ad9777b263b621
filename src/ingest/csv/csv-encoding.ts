/**
 * Character encodings of CSV files, pure and framework-free: detection from the first bytes, and a streaming
 * decoder to text. UTF-8 (the common case, with or without BOM) goes through the built-in TextDecoder, so the bulk
 * path costs what it did; the others through iconv-lite. Nothing here replaces a character silently: a byte that
 * cannot be decoded becomes U+FFFD, which the CSV reader refuses with its line and column (csv-records.ts).
 */
import { isUtf8 } from 'node:buffer';
import * as iconv from 'iconv-lite';

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'windows-1252';

export const CSV_ENCODINGS: readonly CsvEncoding[] = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'gb18030',
  'windows-1252',
];

/** Names people write for the encodings we read; GBK and GB2312 are subsets of GB18030, Latin-1 of Windows-1252. */
const ALIASES: Record<string, CsvEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-8-bom': 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16': 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  gb18030: 'gb18030',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  cp936: 'gb18030',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252',
};

/** The encoding a user-given label names, or null when we do not read it. */
export function parseEncoding(label: string): CsvEncoding | null {
  return ALIASES[label.trim().toLowerCase()] ?? null;
}

export interface EncodingGuess {
  encoding: CsvEncoding;
  /** how it was decided: a byte order mark, the bytes themselves, or only ASCII seen (then UTF-8 is assumed) */
  by: 'bom' | 'content' | 'ascii';
}

/** Bytes looked at to detect the encoding (the rest of the file is decoded with what they say). */
export const DETECTION_BYTES = 64 * 1024;

/**
 * Detects the encoding from the first bytes of a file (`complete` when they are the whole file). A BOM decides;
 * then valid UTF-8 is UTF-8; then mostly-zero odd or even bytes are UTF-16; otherwise GB18030 and Windows-1252 are
 * weighed: text that decodes as GB18030 with most two-byte characters in the GB2312 block (both bytes ≥ 0xA1, where
 * Chinese text lives) is GB18030, anything else Windows-1252 (a Latin-1 accent followed by a space, a comma or a
 * line end is never valid GB18030, and one followed by a letter lands outside GB2312).
 */
export function detectEncoding(sample: Buffer, complete: boolean): EncodingGuess {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', by: 'bom' };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', by: 'bom' };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', by: 'bom' };
  const utf16 = utf16WithoutBom(sample);
  if (utf16) return { encoding: utf16, by: 'content' };
  let ascii = true;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { encoding: 'utf-8', by: 'ascii' };
  if (validUtf8Prefix(sample, complete)) return { encoding: 'utf-8', by: 'content' };
  // Mostly UTF-8 with a few bad bytes is a damaged UTF-8 file: read as UTF-8, the bad byte is refused with its
  // line and column, where reading it all as another encoding would import mojibake without a word.
  const { sequences, invalid } = utf8Sequences(sample);
  if (sequences >= 4 * invalid) return { encoding: 'utf-8', by: 'content' };
  return { encoding: looksLikeGb18030(sample, complete) ? 'gb18030' : 'windows-1252', by: 'content' };
}

/** UTF-8 validity, allowing a character cut off by the end of the sample when the sample is not the whole file. */
function validUtf8Prefix(sample: Buffer, complete: boolean): boolean {
  if (isUtf8(sample)) return true;
  if (complete) return false;
  for (let cut = 1; cut <= 3 && cut < sample.length; cut++) {
    if (isUtf8(sample.subarray(0, sample.length - cut))) return true;
  }
  return false;
}

/** Well-formed multi-byte UTF-8 sequences and bytes that start none (an incomplete sequence at the end is neither). */
function utf8Sequences(sample: Buffer): { sequences: number; invalid: number } {
  let sequences = 0;
  let invalid = 0;
  const n = sample.length;
  for (let i = 0; i < n;) {
    const b = sample[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = len > 0;
    for (let k = 1; ok && k < len; k++) {
      if (i + k >= n) return { sequences, invalid };
      ok = (sample[i + k] & 0xc0) === 0x80;
    }
    if (ok) {
      sequences++;
      i += len;
    } else {
      invalid++;
      i++;
    }
  }
  return { sequences, invalid };
}

/** UTF-16 without a BOM: CSV text is mostly ASCII, so every other byte is zero. */
function utf16WithoutBom(sample: Buffer): CsvEncoding | null {
  const pairs = Math.floor(Math.min(sample.length, 4096) / 2);
  if (pairs < 2) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs; i++) {
    if (sample[2 * i] === 0) evenZeros++;
    if (sample[2 * i + 1] === 0) oddZeros++;
  }
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return null;
}

/** Whether the bytes are well-formed GB18030 whose two-byte characters are mostly in the GB2312 block. */
function looksLikeGb18030(sample: Buffer, complete: boolean): boolean {
  let gb2312 = 0;
  let other = 0;
  const n = sample.length;
  for (let i = 0; i < n;) {
    const b = sample[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b === 0x80 || b === 0xff) return false;
    if (i + 1 >= n) return !complete && gb2312 >= other; // cut by the end of the sample
    const t = sample[i + 1];
    if (t >= 0x30 && t <= 0x39) {
      // four bytes: lead, digit, lead, digit
      if (i + 3 >= n) return !complete && gb2312 >= other;
      const t2 = sample[i + 2];
      const t3 = sample[i + 3];
      if (t2 < 0x81 || t2 > 0xfe || t3 < 0x30 || t3 > 0x39) return false;
      gb2312++;
      i += 4;
      continue;
    }
    if (t < 0x40 || t === 0x7f || t === 0xff) return false;
    if (b >= 0xa1 && t >= 0xa1) gb2312++;
    else other++;
    i += 2;
  }
  return gb2312 > 0 && gb2312 >= other;
}

/** A decoder that turns chunks of bytes into text; `end` flushes what is left (an incomplete character → U+FFFD). */
export interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

export function chunkDecoder(encoding: CsvEncoding): ChunkDecoder {
  if (encoding === 'utf-8') {
    // The built-in decoder: the bulk path. Invalid bytes become U+FFFD, which the reader then refuses.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
    return { write: (chunk) => decoder.decode(chunk, { stream: true }), end: () => decoder.decode() };
  }
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  return {
    write: (chunk) => decoder.write(chunk),
    end: () => decoder.end() ?? '',
  };
}

/**
 * Decodes a byte stream to text: detects the encoding from the first DETECTION_BYTES (unless `forced`), reports it
 * through `onEncoding` before the first text, and yields text chunk by chunk (memory: one input chunk).
 */
export async function* decodeCsvBytes(
  input: AsyncIterable<Buffer>,
  forced: CsvEncoding | undefined,
  onEncoding: (guess: EncodingGuess | { encoding: CsvEncoding; by: 'option' }) => void,
): AsyncGenerator<string> {
  let decoder: ChunkDecoder | null = null;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const start = (complete: boolean): ChunkDecoder => {
    const sample = Buffer.concat(pending);
    const guess = forced ? { encoding: forced, by: 'option' as const } : detectEncoding(sample, complete);
    onEncoding(guess);
    return chunkDecoder(guess.encoding);
  };
  for await (const chunk of input) {
    if (decoder) {
      yield decoder.write(chunk);
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < DETECTION_BYTES && !forced) continue;
    decoder = start(false);
    for (const piece of pending) yield decoder.write(piece);
    pending = [];
  }
  if (!decoder) {
    decoder = start(true);
    for (const piece of pending) yield decoder.write(piece);
  }
  const tail = decoder.end();
  if (tail) yield tail;
}
