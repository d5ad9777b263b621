/** crm-sync job names of the sync core (the queue is shared with imports and dedupe; ids never contain ':'). */
export const SYNC_JOBS = { inbox: 'inbox', pull: 'pull' } as const;
