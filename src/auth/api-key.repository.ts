import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { ApiKey, Role } from './api-key.entity';

/** API keys (stored as hashes) and the one fact about their rep that authentication needs. */
@Injectable()
export class ApiKeyRepository extends SqlRepository {
  constructor(
    @InjectDataSource() db: DataSource,
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
  ) {
    super(db);
  }

  /** Stores a new key; returns its id. */
  async insert(
    workspaceId: string,
    key: { name: string; role: Role; repId: string | null; keyPrefix: string; keyHash: Buffer },
  ): Promise<string> {
    const saved = await this.keys.save(this.keys.create({ workspaceId, ...key }));
    return saved.id;
  }

  /** The unrevoked key with this hash, in any workspace: the key is what names the workspace. */
  findUnrevokedByHash(keyHash: Buffer): Promise<ApiKey | null> {
    return this.keys.findOneBy({ keyHash, revokedAt: IsNull() });
  }

  /** Whether the rep a key belongs to is active (false when the rep is gone). */
  async repIsActive(repId: string): Promise<boolean> {
    const rep = await this.first<{ active: boolean }>(
      // @crossTenant the rep of a key just loaded by its hash: the key's own rep_id, no workspace yet
      `SELECT active FROM reps WHERE id = $1`,
      [repId],
    );
    return !!rep?.active;
  }

  /** Revokes an unrevoked key of the workspace; false when there is none. */
  async revoke(workspaceId: string, id: string): Promise<boolean> {
    const res = await this.keys.update({ id, workspaceId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return !!res.affected;
  }
}
