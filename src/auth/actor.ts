import type { Principal } from './principal';

/**
 * How a caller is named in the audit log: `rep:<uuid>` for people (reps, managers, admins with a rep record),
 * `key:<uuid>` for API keys without a person (integrations, service admins). Background work uses `system:<what>`
 * and the command line `cli`.
 */
export function actorOf(p: Pick<Principal, 'repId' | 'keyId'>): string {
  return p.repId ? `rep:${p.repId}` : `key:${p.keyId}`;
}
