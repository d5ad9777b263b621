/** What this process runs: the API, the queue workers, the cron scheduler — any mix (the demo runs all three). */
export interface Runtime {
  http: boolean;
  workers: boolean;
  scheduler: boolean;
}
export const RUNTIME = Symbol('RUNTIME');
