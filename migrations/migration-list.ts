import { CreateInitialSchema1764028800000 } from './1764028800000-create-initial-schema';
import { CreateCustomerMerges1764100000000 } from './1764100000000-create-customer-merges';
import { CreateExperiments1764700000000 } from './1764700000000-create-experiments';

/** Every migration, in order. Explicit so that compiled, ts-jest and CLI runs all see the same list. */
export const MIGRATIONS = [CreateInitialSchema1764028800000, CreateCustomerMerges1764100000000, CreateExperiments1764700000000];
