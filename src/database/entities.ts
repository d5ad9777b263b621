import { ApiKey } from '../auth/api-key.entity';
import { Rep } from '../workspaces/rep.entity';
import { Workspace } from '../workspaces/workspace.entity';

/**
 * Tables mapped as entities, for the simple reads and writes of single records. Bulk paths (import, scoring,
 * publishing) use explicit set-based SQL in each module's *.sql.ts instead.
 */
export const ENTITIES = [Workspace, Rep, ApiKey];
