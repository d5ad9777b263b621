import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, parseRateLimit } from './config';

const keys = {
  PII_ENCRYPTION_KEYS: `v2:${randomBytes(32).toString('base64')},v1:${randomBytes(32).toString('base64')}`,
  PII_HASH_KEY: randomBytes(32).toString('base64'),
};

describe('loadConfig', () => {
  it('applies defaults and parses a rotation list of PII keys', () => {
    const c = loadConfig({ ...keys, NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db' });
    expect(c).toMatchObject({
      port: 3000,
      env: 'production',
      databaseUrl: 'postgres://u@h/db',
      redisUrl: undefined,
    });
    expect(c.pii.encryption.map((k) => k.version)).toEqual(['v2', 'v1']);
  });

  it('names every invalid variable', () => {
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url', LOG_LEVEL: 'loud', ...keys });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.split(':')[0]).sort()).toEqual([
        'LOG_LEVEL',
        'PORT',
        'REDIS_URL',
      ]);
    }
  });

  it('requires PII keys in production and rejects keys of the wrong size', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /PII_ENCRYPTION_KEYS and PII_HASH_KEY are required/,
    );
    expect(() => loadConfig({ ...keys, PII_ENCRYPTION_KEYS: 'v1:c2hvcnQ=' })).toThrow(/must be 32 bytes/);
  });
});

describe('rate limits', () => {
  it('parses <requests>/<window> and off, with defaults for every limit', () => {
    expect(parseRateLimit('600/1m')).toEqual({ limit: 600, windowMs: 60_000 });
    expect(parseRateLimit('5/500ms')).toEqual({ limit: 5, windowMs: 500 });
    expect(parseRateLimit('off')).toBeNull();
    for (const bad of ['600', '0/1m', '10/1x', '/1m', 'ten/1m', '10/'])
      expect(parseRateLimit(bad)).toBeUndefined();
    const c = loadConfig({ ...keys, RATE_LIMIT_IP: 'off', TRUST_PROXY: 'loopback' });
    expect(c.rateLimits).toEqual({
      key: { limit: 1200, windowMs: 60_000 },
      ip: null,
      authFailures: { limit: 60, windowMs: 60_000 },
    });
    expect(c.trustProxy).toBe('loopback');
    expect(loadConfig({ ...keys, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(() => loadConfig({ ...keys, RATE_LIMIT_KEY: 'lots' })).toThrow(/RATE_LIMIT_KEY/);
  });
});
