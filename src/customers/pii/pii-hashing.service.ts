import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { Queryable } from '../../database/sql';
import { PiiCipher } from './pii';
import { PiiHashRepository } from './pii-hash.repository';
import { PII_CIPHER } from './pii.tokens';

/** The keyed hash a writer uses for one workspace inside its transaction. */
export type WorkspaceHash = (normalised: string) => Buffer;

/**
 * Which hash key a writer of keyed hashes (email/phone hashes, digests) uses for a workspace. Without a rotation
 * (no PII_HASH_KEY_PREVIOUS) it is PII_HASH_KEY, at no cost. During one, the writer's transaction takes the
 * workspace's shared lock and uses the key the workspace's hashes are under — the previous key until
 * `pii rotate-hash` has re-keyed the workspace, the new one after — so hashes never mix within a workspace.
 */
@Injectable()
export class PiiHashing {
  constructor(
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly repo: PiiHashRepository,
  ) {}

  async forWorkspace(workspaceId: string, tx: Queryable): Promise<WorkspaceHash> {
    if (!this.pii.rotatingHash) return this.current;
    return this.pick(await this.repo.lockSharedKeyId(workspaceId, tx));
  }

  async forWorkspaceOnClient(workspaceId: string, client: PoolClient): Promise<WorkspaceHash> {
    if (!this.pii.rotatingHash) return this.current;
    return this.pick(await this.repo.lockSharedKeyIdOnClient(workspaceId, client));
  }

  private readonly current: WorkspaceHash = (v) => this.pii.hash(v);
  private readonly previous: WorkspaceHash = (v) => this.pii.previousHash(v);

  private pick(keyId: string | null): WorkspaceHash {
    return keyId === this.pii.hashKeyId ? this.current : this.previous;
  }
}
