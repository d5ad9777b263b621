import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { fetch as undiciFetch } from 'undici';
import { PiiCipher } from '../common/pii-cipher';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { parseAllowList } from '../net/address-policy';
import { OutboundGuard } from '../net/outbound-guard';

/**
 * The process's one SSRF guard (injected as `OutboundGuard`): public addresses only, plus the CIDRs of
 * WEBHOOK_ALLOW_PRIVATE. `trustOrigin` lets a process reach one exact origin of its own (the CLI demo's receiver on
 * 127.0.0.1:<port>) without opening a whole range; nothing a tenant sends can add one.
 */
@Injectable()
export class AppOutboundGuard extends OutboundGuard implements OnModuleDestroy {
  private readonly trusted = new Set<string>();

  constructor(allowPrivate: string) {
    super(parseAllowList(allowPrivate));
  }

  /** Trusts exactly this origin (scheme, host, port) in this process. */
  trustOrigin(url: string): void {
    this.trusted.add(new URL(url).origin);
  }

  override async check(raw: string): Promise<URL> {
    const url = this.trustedUrl(raw);
    return url ?? super.check(raw);
  }

  override async fetch(raw: string, init: Parameters<typeof undiciFetch>[1] = {}) {
    const url = this.trustedUrl(raw);
    if (!url) return super.fetch(raw, init);
    return undiciFetch(url, { ...init, redirect: 'manual' });
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private trustedUrl(raw: string): URL | null {
    if (this.trusted.size === 0) return null;
    try {
      const url = new URL(raw);
      return this.trusted.has(url.origin) ? url : null;
    } catch {
      return null;
    }
  }
}

export const outboundGuardProvider = {
  provide: OutboundGuard,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new AppOutboundGuard(config.webhookAllowPrivate),
};

/** Time as the delivery schedule sees it; tests replace `now` to move through days in milliseconds. */
@Injectable()
export class WebhookClock {
  now(): Date {
    return new Date();
  }
}

/**
 * The cipher of outbound signing secrets: the PII cipher class with the PII keys (PII_ENCRYPTION_KEYS), so key
 * rotation (`callplan pii rotate`) re-encrypts them with the rest (ENCRYPTED_COLUMNS lists webhook_endpoints).
 */
export const WEBHOOK_SECRET_CIPHER = Symbol('WEBHOOK_SECRET_CIPHER');

export const webhookSecretCipherProvider = {
  provide: WEBHOOK_SECRET_CIPHER,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new PiiCipher(config.pii.encryption, config.pii.hashKey),
};
