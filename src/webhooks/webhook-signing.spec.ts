import { newWebhookSecret, signedHeaders, verifySignedBody } from './webhook-signing';

describe('webhook signing (Standard Webhooks)', () => {
  const body = JSON.stringify({
    type: 'worklist.published',
    timestamp: '2026-11-25T07:00:00Z',
    data: { rep: 'rep-001' },
  });

  it('produces headers a receiver verifies with the same secret', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders(secret, 'msg_1', body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(verifySignedBody(secret, body, headers)).toEqual(JSON.parse(body));
  });

  it('rejects a tampered body, another secret and a stale timestamp', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders(secret, 'msg_2', body);
    expect(() => verifySignedBody(secret, body.replace('rep-001', 'rep-002'), headers)).toThrow();
    expect(() => verifySignedBody(newWebhookSecret(), body, headers)).toThrow();
    const stale = signedHeaders(secret, 'msg_3', body, new Date(Date.now() - 10 * 60_000));
    expect(() => verifySignedBody(secret, body, stale)).toThrow();
  });

  it('signs with both secrets during a rotation overlap: a receiver with either verifies', () => {
    const current = newWebhookSecret();
    const previous = newWebhookSecret();
    const headers = signedHeaders(current, 'msg_4', body, new Date(), previous);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifySignedBody(current, body, headers)).toEqual(JSON.parse(body));
    expect(verifySignedBody(previous, body, headers)).toEqual(JSON.parse(body));
    expect(() => verifySignedBody(newWebhookSecret(), body, headers)).toThrow();
  });
});
