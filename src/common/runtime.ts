/** What this process runs: the API, the queue workers, the cron scheduler — any mix (the demo runs all three). */
export interface Runtime {
  http: boolean;
  workers: boolean;
  scheduler: boolean;
  /** CLI: only warnings and errors reach the log, the command prints its own output */
  quiet?: boolean;
}
export const RUNTIME = Symbol('RUNTIME');
