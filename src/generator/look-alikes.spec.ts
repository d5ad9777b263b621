import { iterateCrm } from './crm-generator';
import type { CrmBatch, CustomerRow } from './crm-rows';
import { normaliseEmail, normalisePhone } from './identity';

type CustomerBatch = Extract<CrmBatch, { type: 'customer' }>;

describe('look-alikes (lookAlikeShare)', () => {
  const batches = [...iterateCrm({ customers: 6000, seed: 11, lookAlikeShare: 0.05 })].filter(
    (b): b is CustomerBatch => b.type === 'customer',
  );
  const byId = new Map<string, CustomerRow>(batches.map((b) => [b.customer.external_id, b.customer]));
  const lookAlikes = batches.filter((b) => b.lookAlike);

  it('plants every kind, about the share asked for', () => {
    expect(lookAlikes.length / batches.length).toBeGreaterThan(0.03);
    expect(lookAlikes.length / batches.length).toBeLessThan(0.07);
    const kinds = new Set(lookAlikes.map((b) => b.lookAlike!.kind));
    expect(kinds).toEqual(
      new Set(['family-phone', 'family-email', 'switchboard', 'shared-info', 'namesake-phone']),
    );
  });

  it('a look-alike shares the key it claims with a different, earlier customer of another name (or, a namesake, another email)', () => {
    for (const b of lookAlikes) {
      const { kind, of } = b.lookAlike!;
      const other = byId.get(of)!;
      expect(b.duplicateOf).toBeNull();
      if (of === b.customer.external_id) continue; // the first member of an info@ cluster
      if (kind === 'namesake-phone') {
        // the same name and phone; two people by their emails
        expect(b.customer.name).toBe(other.name);
        expect(normalisePhone(b.customer.phone)).toBe(normalisePhone(other.phone));
        expect(normaliseEmail(b.customer.email)).toBeTruthy();
        expect(normaliseEmail(other.email)).toBeTruthy();
        expect(normaliseEmail(b.customer.email)).not.toBe(normaliseEmail(other.email));
        expect(b.customer.kind).toBe('individual');
        continue;
      }
      if (kind === 'family-phone' || kind === 'switchboard') {
        expect(normalisePhone(b.customer.phone)).toBe(normalisePhone(other.phone));
      } else {
        expect(normaliseEmail(b.customer.email)).toBe(normaliseEmail(other.email));
      }
      expect(b.customer.name.trim().toLowerCase()).not.toBe(other.name.trim().toLowerCase());
      expect(b.customer.kind).toBe(kind.startsWith('family') ? 'individual' : 'business');
    }
  });

  it('info@ addresses are shared by clusters of more than five companies', () => {
    const clusters = new Map<string, number>();
    for (const b of lookAlikes.filter((x) => x.lookAlike!.kind === 'shared-info')) {
      expect(b.customer.email).toMatch(/^info@shared-\d+\.example\.com$/);
      clusters.set(b.customer.email, (clusters.get(b.customer.email) ?? 0) + 1);
    }
    const sizes = [...clusters.values()];
    expect(sizes.slice(0, -1).every((n) => n === 8)).toBe(true);
  });

  it('writes some duplicates of Chinese names in pinyin', () => {
    const pinyin = batches.filter(
      (b) =>
        b.duplicateOf &&
        /[\u3400-\u9fff]/.test(byId.get(b.duplicateOf)!.name) &&
        /^[A-Za-z ]+$/.test(b.customer.name.trim()),
    );
    expect(pinyin.length).toBeGreaterThan(0);
  });

  it('plants nothing by default', () => {
    for (const b of iterateCrm({ customers: 500, seed: 11 })) {
      if (b.type === 'customer') expect(b.lookAlike).toBeUndefined();
    }
  });
});
