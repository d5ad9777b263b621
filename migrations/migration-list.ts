import { CreateInitialSchema1764028800000 } from './1764028800000-create-initial-schema';

/** Every migration, in order. Explicit so that compiled, ts-jest and CLI runs all see the same list. */
export const MIGRATIONS = [CreateInitialSchema1764028800000];
