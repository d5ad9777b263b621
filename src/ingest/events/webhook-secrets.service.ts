import { Inject, Injectable } from '@nestjs/common';
import { audit } from '../../audit/audit-entry.repository';
import { Transactions } from '../../database/transactions';
import { newWebhookSecret } from '../../webhooks/webhook-signing';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { PiiCipher } from '../../customers/pii/pii';
import { WebhookSecretsRepository } from './webhook-secrets.repository';
import { secretKey } from './webhook-signature';

/** How long the previous secret keeps verifying after a rotation, so deliveries in flight are not refused. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
/** Verification keys are cached this long per workspace; a miss on a cached entry reloads once (rotation). */
const CACHE_MS = 5_000;

export interface InboundKeys {
  workspaceId: string;
  /** HMAC keys: the current secret first, then the previous one while it is still valid */
  keys: Buffer[];
  loadedAt: number;
}

/**
 * Per-workspace Standard Webhooks secrets of inbound CRM events. Stored encrypted with the PII key, shown once at
 * rotation, never logged. Rotation keeps the previous secret valid for a grace period.
 */
@Injectable()
export class WebhookSecretsService {
  private readonly cache = new Map<string, { value: InboundKeys | null; at: number }>();

  constructor(
    private readonly repo: WebhookSecretsRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
  ) {}

  /** Creates (first call) or rotates the workspace's inbound secret; returns the new secret once. */
  async rotate(
    workspaceId: string,
    actor: string,
    graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS,
  ): Promise<{ secret: string; previousValidUntil: Date | null }> {
    const secret = newWebhookSecret();
    return this.transactions.run(async (tx) => {
      const row = await this.repo.rotate(workspaceId, this.pii.encrypt(secret), graceSeconds, tx);
      await audit(tx, {
        workspaceId,
        actor,
        action: 'crm.webhook_secret_rotated',
        subject: `workspace:${workspaceId}`,
        details: { graceSeconds },
      });
      this.cache.clear();
      return { secret, previousValidUntil: row.previous_valid_until ?? null };
    });
  }

  /** Verification keys of a workspace by slug (null: unknown workspace or no secret yet). */
  async keysForSlug(slug: string, fresh = false): Promise<InboundKeys | null> {
    const hit = this.cache.get(slug);
    if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const row = await this.repo.bySlug(slug);
    const value: InboundKeys | null = row
      ? {
          workspaceId: row.id,
          keys: [row.current_enc, row.previous_enc]
            .filter((b): b is Buffer => b !== null)
            .map((b) => secretKey(this.pii.decrypt(b))),
          loadedAt: Date.now(),
        }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(slug, { value, at: Date.now() });
    return value;
  }
}
