/** Every part of /health answers within this time, ms, or counts as down. */
export const HEALTH_PART_TIMEOUT_MS = 2_000;

/** Resolves with `work`, or with `onTimeout()` when it has not settled after `ms` (the work is left to finish). */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
