/**
 * Removes an erased customer from a stored event payload. Pure; no I/O. Events name customers by CRM external id in
 * three shapes: `customer: "<id>"` (list items, outcomes, urgent inserts), `customer: { externalId }` (assignment
 * changes) and `externalId: "<id>"` (per-customer write-back). The object that names the customer is the
 * customer's part of the event (an item with its talk track, an outcome with its notes, a write-back row), so it is
 * replaced whole by `{ "erased": true }`; everything else is kept. Returns the payload and whether it changed.
 */
export function scrubCustomers(
  payload: unknown,
  externalIds: ReadonlySet<string>,
): { payload: unknown; changed: boolean } {
  let changed = false;
  const names = (node: Record<string, unknown>): boolean => {
    const c = node.customer;
    if (typeof c === 'string' && externalIds.has(c)) return true;
    if (c && typeof c === 'object' && externalIds.has(String((c as Record<string, unknown>).externalId)))
      return true;
    return typeof node.externalId === 'string' && externalIds.has(node.externalId);
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const obj = node as Record<string, unknown>;
    if (names(obj)) {
      changed = true;
      return { erased: true };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = walk(v);
    return out;
  };
  const top = payload as Record<string, unknown> | null;
  // the envelope { type, timestamp, data } is not the customer's even when data is
  const result =
    top && typeof top === 'object' && !Array.isArray(top) && 'data' in top
      ? { ...top, data: walk(top.data) }
      : walk(payload);
  return { payload: changed ? result : payload, changed };
}
