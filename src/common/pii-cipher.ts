import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** AES-GCM's 96-bit IV. */
const IV_BYTES = 12;
/**
 * IVs drawn from the CSPRNG this many at a time: `randomBytes(12)` per encryption was a system call each, 10 µs and
 * a third of the encryption time of a customers import (two encryptions per row). Each IV of a block is used once.
 */
const IVS_PER_BLOCK = 1024;

/**
 * Field-level protection of personal data: AES-256-GCM with a versioned key (rotation: encrypt with the first key,
 * decrypt with whichever version the ciphertext names) and a keyed hash of the normalised value for matching.
 * Layout of a ciphertext: [version length][version][12-byte IV][16-byte tag][ciphertext].
 */
export class PiiCipher {
  /** short fingerprint of the hash key (never the key): which key a workspace's hashes are under */
  readonly hashKeyId: string;
  private ivs = Buffer.alloc(0);
  private ivAt = 0;

  constructor(
    private readonly keys: Array<{ version: string; key: Buffer }>,
    private readonly hashKey: Buffer,
    /** the hash key being rotated away from (PII_HASH_KEY_PREVIOUS), during a hash-key rotation only */
    private readonly previousHashKey?: Buffer,
  ) {
    if (keys.length === 0) throw new Error('PiiCipher needs at least one key');
    this.hashKeyId = PiiCipher.keyId(hashKey);
  }

  static keyId(hashKey: Buffer): string {
    return createHmac('sha256', hashKey).update('callplan hash key id').digest('hex').slice(0, 16);
  }

  /** A hash-key rotation is configured: hashes of a workspace may still be under the previous key. */
  get rotatingHash(): boolean {
    return this.previousHashKey !== undefined;
  }

  /** Version of the key new ciphertexts are written with (the first of PII_ENCRYPTION_KEYS). */
  get currentVersion(): string {
    return this.keys[0].version;
  }

  /** Version of the key a ciphertext was written with. */
  static versionOf(blob: Buffer): string {
    return blob.subarray(1, 1 + blob[0]).toString('utf8');
  }

  encrypt(plain: string): Buffer {
    const { version, key } = this.keys[0];
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const v = Buffer.from(version, 'utf8');
    return Buffer.concat([Buffer.from([v.length]), v, iv, cipher.getAuthTag(), body]);
  }

  /** A fresh random IV, never handed out twice (a used block is dropped, never refilled in place). */
  private nextIv(): Buffer {
    if (this.ivAt + IV_BYTES > this.ivs.length) {
      this.ivs = randomBytes(IV_BYTES * IVS_PER_BLOCK);
      this.ivAt = 0;
    }
    const iv = this.ivs.subarray(this.ivAt, this.ivAt + IV_BYTES);
    this.ivAt += IV_BYTES;
    return iv;
  }

  decrypt(blob: Buffer): string {
    const vlen = blob[0];
    const version = blob.subarray(1, 1 + vlen).toString('utf8');
    const entry = this.keys.find((k) => k.version === version);
    if (!entry) throw new Error(`no PII key for version ${version}`);
    const iv = blob.subarray(1 + vlen, 13 + vlen);
    const tag = blob.subarray(13 + vlen, 29 + vlen);
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(29 + vlen)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash (HMAC-SHA256) of an already normalised value: equal inputs match, the value is not recoverable. */
  hash(normalised: string): Buffer {
    return createHmac('sha256', this.hashKey).update(normalised).digest();
  }

  /** The same keyed hash under the previous hash key (during a rotation; throws when none is configured). */
  previousHash(normalised: string): Buffer {
    if (!this.previousHashKey) throw new Error('no previous hash key (PII_HASH_KEY_PREVIOUS) is configured');
    return createHmac('sha256', this.previousHashKey).update(normalised).digest();
  }
}
