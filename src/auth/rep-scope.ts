/** The reps a principal answers for: a rep only themselves; a manager themselves, their reports and their team. */
export interface RepScope {
  all: boolean;
  repIds: ReadonlySet<string>;
}
