import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Role, ROLES } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { Principal } from './principal';

const KEY_PATTERN = /^cpk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeyRepository) {}

  /** Creates a key and returns its secret — the only time it is visible. */
  async create(input: {
    workspaceId: string;
    name: string;
    role: Role;
    repId?: string | null;
  }): Promise<{ key: string; id: string }> {
    if (!ROLES.includes(input.role))
      throw new AppError('invalid_role', `role must be one of ${ROLES.join(', ')}`);
    if ((input.role === 'rep' || input.role === 'manager') && !input.repId) {
      throw new AppError('rep_required', `a ${input.role} key must belong to a rep`);
    }
    const prefix = randomBytes(6).toString('hex').slice(0, 8);
    const key = `cpk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const id = await this.keys.insert(input.workspaceId, {
      name: input.name,
      role: input.role,
      repId: input.repId ?? null,
      keyPrefix: prefix,
      keyHash: hashKey(key),
    });
    return { key, id };
  }

  /** Resolves a presented key to its principal, or null for unknown, malformed or revoked keys. */
  async authenticate(presented: string): Promise<Principal | null> {
    if (!KEY_PATTERN.test(presented)) return null;
    const found = await this.keys.findUnrevokedByHash(hashKey(presented));
    if (!found) return null;
    if (found.repId) {
      // A deactivated rep's keys stop working however the rep was deactivated (API, CRM sync, SQL).
      if (!(await this.keys.repIsActive(found.repId))) return null;
    }
    return { keyId: found.id, workspaceId: found.workspaceId, role: found.role, repId: found.repId };
  }

  async revoke(workspaceId: string, id: string): Promise<void> {
    if (!(await this.keys.revoke(workspaceId, id))) throw AppError.notFound('api key');
  }
}

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
