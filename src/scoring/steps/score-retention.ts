/**
 * Which runs' full score rows are kept, what makes a run a backtest, and what a run says about the call lists it
 * did not publish. Pure: the SQL that applies these rules is in run-tables.repository.ts and
 * score-run.repository.ts.
 */

/**
 * Days before the newest list date of a workspace during which its published lists are served: a run that such
 * a list points at keeps its scores table, so the list reads whole and identical for that long. A list older
 * than that whose run's scores were dropped answers 410 `worklist_expired` instead of items with empty scores.
 */
export const SERVED_LIST_DAYS = 14;

/** The newest completed runs kept whole whatever refers to them (the previous one feeds "who moved"). */
export const KEEP_NEWEST_RUNS = 2;

/** The live snapshot a new run is measured against: the workspace's current run and its as-of day. */
export interface LiveRun {
  id: string;
  asOf: string;
}

/**
 * A backtest scores as of a day before the live snapshot's: it is kept as a run of its own and never becomes the
 * current snapshot, never drops another run's scores and never publishes call lists. A run as of the same day
 * (a rerun) or a later one is live. Days are YYYY-MM-DD, so they compare as strings.
 */
export function isBacktest(asOf: string, live: LiveRun | null): boolean {
  return live !== null && asOf < live.asOf;
}

/** The report's words for a backtest: what it left alone and where its scores are. */
export function backtestNote(runId: string, asOf: string, live: LiveRun): string {
  return (
    `backtest as of ${asOf}: kept as run ${runId} (GET /v1/score-runs/${runId}, its scores at ` +
    `/v1/score-runs/${runId}/scores); the live scores (run ${live.id} as of ${live.asOf}) and the published call ` +
    `lists are unchanged, and no lists were published`
  );
}

/** Lists already published for the run's day from earlier runs, as finalize finds them. */
export interface PublishedBefore {
  lists: number;
  runIds: string[];
}

/** What a live run reports about the call lists of its day (`report.worklists`). */
export interface WorklistsNote {
  date: string;
  /** whether a publish job was queued (it makes lists for reps that have none yet) */
  publishQueued: boolean;
  /** lists of that day published before this run, which the publish job keeps as they are */
  keptLists: number;
  note: string | null;
}

/**
 * A rerun for a day whose lists are already published does not replace them (a rep's ranks never reshuffle under
 * them); it says so, and how to replace them.
 */
export function worklistsNote(date: string, publish: boolean, before: PublishedBefore): WorklistsNote {
  const how = `run \`callplan publish --date ${date} --replace\` to rebuild them from this run`;
  let note: string | null = null;
  if (before.lists > 0) {
    const from = before.runIds.length > 0 ? ` (from run ${before.runIds.join(', ')})` : '';
    note = publish
      ? `${before.lists} call lists for ${date} were already published${from} and are kept as they are; ` +
        `only reps without a list get one from this run; ${how}`
      : `call lists not published (--no-publish); the ${before.lists} lists for ${date} published earlier${from} ` +
        `are kept; ${how}`;
  }
  return { date, publishQueued: publish, keptLists: before.lists, note };
}
