import type { RepScope } from '../auth/rep-scope';

/**
 * Who may see a customer, and how much of it — pure, so the rules are tested without a database. Out-of-scope
 * customers are "hidden" (answered 404 like missing ones, so ids reveal nothing); "masked" shows the record with
 * email and phone masked; "clear" shows them in full.
 */
export type CustomerVisibility = 'clear' | 'masked' | 'hidden';

export interface AccessPrincipal {
  role: 'rep' | 'manager' | 'admin' | 'integration';
  repId: string | null;
}

/** The reps a principal answers for (AccessScopeService.repScope). */
export type { RepScope };

export function customerVisibility(
  p: AccessPrincipal,
  ownerRepId: string | null,
  scope: RepScope,
): CustomerVisibility {
  switch (p.role) {
    case 'admin':
      return 'clear';
    case 'integration':
      // machines get what they need to match records, never the contact details themselves
      return 'masked';
    case 'rep':
      return ownerRepId !== null && ownerRepId === p.repId ? 'clear' : 'hidden';
    case 'manager':
      if (ownerRepId !== null && scope.repIds.has(ownerRepId)) return 'clear';
      return ownerRepId === null ? 'masked' : 'hidden';
  }
}

/** Erasure: admins, and managers for customers owned by their team. */
export function mayErase(p: AccessPrincipal, ownerRepId: string | null, scope: RepScope): boolean {
  if (p.role === 'admin') return true;
  return p.role === 'manager' && ownerRepId !== null && scope.repIds.has(ownerRepId);
}
