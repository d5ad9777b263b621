/**
 * Whether `err` says the database connection under a statement was lost (the server terminated the backend,
 * restarted, or the socket broke), as opposed to the statement itself failing. Such a job attempt failed for a
 * reason outside the job, and the worker's own queue connections were very likely hit by the same event.
 */
export function isLostConnection(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (LOST_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && LOST_MESSAGES.some((m) => message.includes(m))) return true;
    // TypeORM's QueryFailedError keeps the driver's error here
    e = (e as { driverError?: unknown }).driverError;
  }
  return false;
}

/** SQLSTATE 57P01–57P03 (administrator, crash shutdown; cannot connect now), and socket errors. */
const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/** node-postgres reports a socket closed under a query by message only. */
const LOST_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
];
