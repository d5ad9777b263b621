import { Webhook } from 'standardwebhooks';
import { secretKey, signedWebhookHeaders, verifySignature } from './webhook-signature';

const secret = `whsec_${Buffer.from('a-32-byte-secret-for-the-tests!!').toString('base64')}`;
const other = `whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`;
const body = Buffer.from('{"events":[]}');
const headersOf = (h: Record<string, string>) => ({
  id: h['webhook-id'],
  timestamp: h['webhook-timestamp'],
  signature: h['webhook-signature'],
});

describe('Standard Webhooks verification', () => {
  const at = new Date('2026-06-01T00:00:00Z');
  const nowS = at.getTime() / 1000;

  it('accepts what the reference library signs, and the library accepts what we sign', () => {
    const sig = new Webhook(secret).sign('msg_1', at, body.toString());
    const r = verifySignature(
      body,
      { id: 'msg_1', timestamp: String(nowS), signature: sig },
      [secretKey(secret)],
      nowS,
    );
    expect(r).toEqual({ ok: true, webhookId: 'msg_1', signedAt: at });
    const ours = signedWebhookHeaders(secret, 'msg_2', body, new Date());
    expect(() => new Webhook(secret).verify(body.toString(), ours)).not.toThrow();
  });

  it('accepts any listed key (rotation) and any listed signature', () => {
    const h = headersOf(signedWebhookHeaders(other, 'msg_3', body, at));
    expect(verifySignature(body, h, [secretKey(secret)], nowS)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(verifySignature(body, h, [secretKey(secret), secretKey(other)], nowS).ok).toBe(true);
    expect(
      verifySignature(body, { ...h, signature: `v1,Zm9v v2,x ${h.signature}` }, [secretKey(other)], nowS).ok,
    ).toBe(true);
  });

  it('refuses tampering, stale and future timestamps, and missing headers', () => {
    const h = headersOf(signedWebhookHeaders(secret, 'msg_4', body, at));
    const key = [secretKey(secret)];
    expect(verifySignature(Buffer.from('{"events":[1]}'), h, key, nowS)).toMatchObject({
      code: 'invalid_signature',
    });
    expect(verifySignature(body, { ...h, id: 'msg_5' }, key, nowS)).toMatchObject({
      code: 'invalid_signature',
    });
    expect(verifySignature(body, h, key, nowS + 301)).toMatchObject({ code: 'stale_signature' });
    expect(verifySignature(body, h, key, nowS - 301)).toMatchObject({ code: 'stale_signature' });
    expect(verifySignature(body, h, key, nowS + 299).ok).toBe(true);
    expect(verifySignature(body, { ...h, timestamp: 'soon' }, key, nowS)).toMatchObject({
      code: 'invalid_signature',
    });
    expect(verifySignature(body, { id: h.id }, key, nowS)).toMatchObject({
      code: 'missing_signature_headers',
    });
  });
});
