/**
 * Keeping the previous run's model through a night's sampling noise.
 *
 * The self-backtest looks at a different sample of buyers every night (backtest-sample.ts), so two candidates a
 * few per cent apart trade places from one night to the next. On 1M generated customers the spend model went
 * own mean → log-normal between two nights whose data differed by 1 %, and the median customer's CLV moved by a
 * third (×0.77 to ×2.84 between the 10th and 90th percentiles). A call list whose values jump like that overnight
 * is not one a rep can trust, so a model the previous run chose stays while its backtest MAE is within a share
 * of the best; a challenger must win clearly, which a model that is really better does within a few nights of
 * rotating samples. The share is the choice's own: the noise of a spend MAE over heavy-tailed order values is
 * larger than that of a purchase count's. No framework imports.
 */

/**
 * Count models: a challenger replaces the previous run's model when its mean backtest MAE is lower by more than
 * this share. Between the two nights above the gaps moved by 1.8 points (Pareto/NBD 2.9 % then 1.1 % behind); on
 * CDNOW Pareto/NBD's lead over BG/NBD is 3.9 %, which must still win.
 */
export const COUNT_SWITCH_SHARE = 0.02;
/** Spend models: the same, for the mean order value's MAE (the gap above moved by 6 points: +3.8 % then −2.1 %). */
export const SPEND_SWITCH_SHARE = 0.05;

export interface Contender<M extends string> {
  model: M;
  meanMae: number;
}

/**
 * `chosen` (the night's own pick among `usable`), or the previous run's model when that is usable and its MAE is
 * within `share` of the best; with the sentence the report adds ('' when the night's pick stands).
 */
export function keepIncumbent<M extends string>(
  chosen: M,
  incumbent: M | null | undefined,
  usable: ReadonlyArray<Contender<M>>,
  label: (m: M) => string,
  share: number,
): { chosen: M; note: string } {
  if (!incumbent || incumbent === chosen) return { chosen, note: '' };
  const kept = usable.find((c) => c.model === incumbent);
  if (!kept || !Number.isFinite(kept.meanMae)) return { chosen, note: '' };
  const best = Math.min(...usable.map((c) => c.meanMae));
  if (!(kept.meanMae <= best * (1 + share))) {
    return {
      chosen,
      note: `; replaces ${label(incumbent)}, the previous run's choice: more than ${share * 100} % behind the best`,
    };
  }
  return {
    chosen: incumbent,
    note: `; kept ${label(incumbent)}, the previous run's choice: within ${share * 100} % of the best (${label(chosen)} would need a clearer win to replace it)`,
  };
}
