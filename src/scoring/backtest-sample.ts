/**
 * Which buyers the nightly self-backtest reads the purchase days of: at most `target`, chosen by a hash of the
 * customer id seeded with the workspace and the as-of date — the same data on the same date gives the same sample
 * (issue 13 item 7), whatever order the inputs arrive in, while different nights look at different customers.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32 bit) of a string. */
export function fnv1a(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** A uniform number in [0, 1) from a seed and a customer id (murmur3's 32-bit finaliser over seed ⊕ id). */
export function sampleKey(seed: number, id: number): number {
  let h = (seed ^ Math.imul(id >>> 0, 0x9e3779b1) ^ Math.floor(id / 2 ** 32)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32;
}

/** Ids (ascending) of about `target` of the given buyer ids, seeded with workspace and as-of date. */
export function backtestSample(
  buyerIds: ArrayLike<number>,
  seed: { workspaceId: string; asOf: string },
  target: number,
): number[] {
  const n = buyerIds.length;
  const share = n <= target ? 1 : target / n;
  const s = fnv1a(`${seed.workspaceId}|${seed.asOf}`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (share === 1 || sampleKey(s, buyerIds[i]) < share) out.push(buyerIds[i]);
  return out.sort((a, b) => a - b);
}
