import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret in the Standard Webhooks format (`whsec_` + base64 of 24 random bytes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * Headers for one signed delivery (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). During a
 * rotation's overlap window `alsoSignWith` (the previous secret) adds a second, space-separated signature, so a
 * receiver verifies with either secret.
 */
export function signedHeaders(
  secret: string,
  messageId: string,
  body: string,
  at = new Date(),
  alsoSignWith?: string | null,
): Record<string, string> {
  const signature = [secret, ...(alsoSignWith ? [alsoSignWith] : [])]
    .map((s) => new Webhook(s).sign(messageId, at, body))
    .join(' ');
  return {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/** Verifies a delivery the way a receiver does (5-minute tolerance inside the library); throws on a bad signature. */
export function verifySignedBody(
  secret: string,
  body: string | Buffer,
  headers: Record<string, string>,
): unknown {
  return new Webhook(secret).verify(body, headers);
}
