import { createHash, randomBytes } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import { TenantScope } from '../database/tenant-scope';
import { Transactions } from '../database/transactions';
import { Role, ROLES } from './api-key.entity';
import { ApiKeyRepository, KeyListRow } from './api-key.repository';
import { AuthInvalidationService } from './auth-invalidation.service';
import { Principal } from './principal';
import { isUuid } from '../common/uuid';

const KEY_PATTERN = /^cpk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
/** `last_used_at` is written at most this often per key (and process): no write per request. */
export const LAST_USED_EVERY_MS = 60_000;
/** The longest a rotated key may keep working beside its successor, seconds. */
export const MAX_ROTATION_OVERLAP_S = 7 * 86_400;
const MAX_EXPIRY_MS = 10 * 366 * 86_400_000;

/** A key as admins see it: everything but the secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  /** the visible part of the key (`cpk_<prefix>_…`), to recognise it */
  prefix: string;
  role: Role;
  rep: { id: string; externalId: string | null } | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
  rotatedFrom: string | null;
}

/** Why a presented key was refused. */
export type AuthFailure = 'unknown' | 'expired';

@Injectable()
export class ApiKeysService {
  /** key id → when this process last wrote its last_used_at (ms) */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly transactions: Transactions,
    private readonly invalidation: AuthInvalidationService,
  ) {}

  /** Creates a key and returns its secret — the only time it is visible. Audited as `apikey.created`. */
  async create(input: {
    workspaceId: string;
    name: string;
    role: Role;
    repId?: string | null;
    expiresAt?: Date | null;
    /** who creates it, for the audit log (default `cli`) */
    actor?: string;
  }): Promise<{ key: string; id: string; expiresAt: string | null }> {
    if (!ROLES.includes(input.role))
      throw new AppError('invalid_role', `role must be one of ${ROLES.join(', ')}`, 400, { field: 'role' });
    if ((input.role === 'rep' || input.role === 'manager') && !input.repId) {
      throw new AppError('rep_required', `a ${input.role} key must belong to a rep`, 400, { field: 'rep' });
    }
    const expiresAt = checkExpiry(input.expiresAt ?? null);
    return this.transactions.run(async (tx) => {
      const secret = newSecret();
      const id = await this.keys.insert(
        input.workspaceId,
        { ...secret.stored, name: input.name, role: input.role, repId: input.repId ?? null, expiresAt },
        tx,
      );
      await audit(tx, {
        workspaceId: input.workspaceId,
        actor: input.actor ?? 'cli',
        action: 'apikey.created',
        subject: `apikey:${id}`,
        details: { name: input.name, role: input.role, repId: input.repId ?? null, expiresAt },
      });
      return { key: secret.key, id, expiresAt: expiresAt?.toISOString() ?? null };
    });
  }

  /**
   * The principal of a presented key when this process has it verified in memory (and hears invalidations), else
   * undefined — never a database read. For paths that answer from memory only (served list pages).
   */
  cachedPrincipal(presented: string): Principal | undefined {
    if (!this.invalidation.live || !KEY_PATTERN.test(presented)) return undefined;
    const hit = this.invalidation.keys.get(hashKey(presented).toString('base64'));
    if (hit) TenantScope.run(hit.workspaceId, () => this.recordUse(hit.workspaceId, hit.keyId));
    return hit;
  }

  /**
   * Resolves a presented key to its principal, or says why not: unknown, malformed, revoked or belonging to a
   * deactivated rep → 'unknown' (indistinguishable on purpose); past its expiry → 'expired'.
   */
  async authenticate(presented: string): Promise<Principal | AuthFailure> {
    if (!KEY_PATTERN.test(presented)) return 'unknown';
    const hash = hashKey(presented);
    const cacheKey = hash.toString('base64');
    const cache = this.invalidation.keys;
    if (this.invalidation.live) {
      const hit = cache.get(cacheKey);
      if (hit) {
        TenantScope.run(hit.workspaceId, () => this.recordUse(hit.workspaceId, hit.keyId));
        return hit;
      }
    }
    const generation = cache.generation();
    const found = await this.keys.byHash(hash);
    // A deactivated rep's keys stop working however the rep was deactivated: through the API at once (it notifies),
    // by hand in SQL once the cached verification is older than KEY_CACHE_TTL_MS.
    if (!found || found.revoked || !found.rep_active) return 'unknown';
    if (found.expired) return 'expired';
    TenantScope.run(found.workspace_id, () => this.recordUse(found.workspace_id, found.id));
    const principal: Principal = {
      keyId: found.id,
      workspaceId: found.workspace_id,
      role: found.role,
      repId: found.rep_id,
    };
    // refused keys are not cached: a new key works at once, and guessing is the failure limiter's business
    if (this.invalidation.live)
      cache.set(cacheKey, found.workspace_id, principal, found.expires_at?.getTime() ?? null, generation);
    return principal;
  }

  /** Whether a key still works (embed tokens check the key that minted them on every use). */
  keyUsable(workspaceId: string, keyId: string): Promise<boolean> {
    return isUuid(keyId) ? this.keys.usable(workspaceId, keyId) : Promise.resolve(false);
  }

  /** Whether a rep of the workspace is active. */
  repActive(workspaceId: string, repId: string): Promise<boolean> {
    return isUuid(repId) ? this.keys.repActive(workspaceId, repId) : Promise.resolve(false);
  }

  async list(workspaceId: string, opts: { limit: number; includeRevoked: boolean }): Promise<ApiKeyView[]> {
    return (await this.keys.list(workspaceId, opts)).map(view);
  }

  async get(workspaceId: string, id: string): Promise<ApiKeyView> {
    const row = isUuid(id) ? await this.keys.byId(workspaceId, id) : undefined;
    if (!row) throw AppError.notFound('api key');
    return view(row);
  }

  /** Revokes a key at once (404 unknown or another workspace's; 409 already revoked). Audited. */
  async revoke(workspaceId: string, id: string, actor = 'cli'): Promise<ApiKeyView> {
    const revoked = await this.transactions.run(async (tx) => {
      const row = isUuid(id) ? await this.keys.byId(workspaceId, id, tx) : undefined;
      if (!row) throw AppError.notFound('api key');
      if (!(await this.keys.revoke(workspaceId, id, tx)))
        throw new AppError('key_revoked', 'the key is already revoked', HttpStatus.CONFLICT);
      await this.invalidation.notify(tx, workspaceId);
      await audit(tx, {
        workspaceId,
        actor,
        action: 'apikey.revoked',
        subject: `apikey:${id}`,
        details: { name: row.name, role: row.role },
      });
      return view((await this.keys.byId(workspaceId, id, tx))!);
    });
    this.invalidation.dropLocal(workspaceId);
    return revoked;
  }

  /**
   * Replaces a key with a new secret of the same name, role and rep (printed once). The old key is revoked at
   * once, or with `overlapSeconds` keeps working that long so callers can switch. The new key keeps the old one's
   * lifetime unless `expiresAt` is given. Audited.
   */
  async rotate(
    workspaceId: string,
    id: string,
    opts: { overlapSeconds?: number; expiresAt?: Date | null; actor?: string } = {},
  ): Promise<{ key: string; id: string; previous: ApiKeyView }> {
    const overlap = opts.overlapSeconds ?? 0;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_S)
      throw new AppError(
        'invalid_overlap',
        `overlapSeconds must be an integer from 0 to ${MAX_ROTATION_OVERLAP_S}`,
        400,
        { field: 'overlapSeconds' },
      );
    const rotated = await this.transactions.run(async (tx) => {
      const old = isUuid(id) ? await this.keys.byId(workspaceId, id, tx) : undefined;
      if (!old) throw AppError.notFound('api key');
      const state = statusOf(old);
      if (state !== 'active')
        throw new AppError(
          'key_inactive',
          `the key is ${state}; create a new one instead`,
          HttpStatus.CONFLICT,
        );
      const lifetime = old.expires_at ? old.expires_at.getTime() - old.created_at.getTime() : null;
      const expiresAt = checkExpiry(
        opts.expiresAt !== undefined ? opts.expiresAt : lifetime ? new Date(Date.now() + lifetime) : null,
      );
      const secret = newSecret();
      const newId = await this.keys.insert(
        workspaceId,
        {
          ...secret.stored,
          name: old.name,
          role: old.role,
          repId: old.rep_id,
          expiresAt,
          rotatedFromId: old.id,
        },
        tx,
      );
      if (overlap === 0) await this.keys.revoke(workspaceId, old.id, tx);
      else await this.keys.expireBy(workspaceId, old.id, new Date(Date.now() + overlap * 1000), tx);
      await this.invalidation.notify(tx, workspaceId);
      await audit(tx, {
        workspaceId,
        actor: opts.actor ?? 'cli',
        action: 'apikey.rotated',
        subject: `apikey:${old.id}`,
        details: { newKeyId: newId, overlapSeconds: overlap, expiresAt },
      });
      return { key: secret.key, id: newId, previous: view((await this.keys.byId(workspaceId, old.id, tx))!) };
    });
    this.invalidation.dropLocal(workspaceId);
    return rotated;
  }

  /** Writes last_used_at in the background, at most once a minute per key from this process. */
  private recordUse(workspaceId: string, keyId: string): void {
    const now = Date.now();
    if (now - (this.touched.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
    this.touched.set(keyId, now);
    if (this.touched.size > 10_000) this.touched.clear();
    // a failed write only loses a timestamp; authentication does not wait for it
    this.keys.touch(workspaceId, keyId).catch(() => this.touched.delete(keyId));
  }
}

function newSecret() {
  const prefix = randomBytes(6).toString('hex').slice(0, 8);
  const key = `cpk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, stored: { keyPrefix: prefix, keyHash: hashKey(key) } };
}

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function checkExpiry(at: Date | null): Date | null {
  if (at === null) return null;
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now())
    throw new AppError('invalid_expiry', 'expiresAt must be in the future', 400, { field: 'expiresAt' });
  if (at.getTime() > Date.now() + MAX_EXPIRY_MS)
    throw new AppError('invalid_expiry', 'expiresAt must be within 10 years', 400, { field: 'expiresAt' });
  return at;
}

function statusOf(r: KeyListRow): ApiKeyView['status'] {
  if (r.revoked_at) return 'revoked';
  if (r.expires_at && r.expires_at.getTime() <= Date.now()) return 'expired';
  return 'active';
}

function view(r: KeyListRow): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: `cpk_${r.key_prefix}`,
    role: r.role,
    rep: r.rep_id ? { id: r.rep_id, externalId: r.rep_external_id } : null,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    status: statusOf(r),
    rotatedFrom: r.rotated_from_id,
  };
}
