import { AsyncLocalStorage } from 'node:async_hooks';
import { isUuid } from '../common/uuid';

/**
 * Which rows of the tenant tables the current code may see, as row-level security enforces it (docs/architecture.md
 * "Row-level security"): one workspace, every workspace (`crossTenant`, with a reason), or none. Every connection
 * the app takes from its pool is set to the scope of the code that takes it (tenant-connection.ts), so a
 * transaction, or a statement outside one, runs in the scope its caller was in when it started.
 *
 * HTTP requests start with no workspace (`request`) and the API key guard names it (`bind`); jobs run in the scope
 * of their payload (queue/job-handlers.ts); sweeps and schedulers say `crossTenant`. Code outside any of these
 * gets the process's fallback: none for the api and worker processes (fail closed), every workspace for the
 * operator's CLI.
 */
export interface TenantSetting {
  /** the one workspace whose rows are visible, or null */
  readonly workspaceId: string | null;
  /** every workspace's rows are visible; why */
  readonly crossTenant: string | null;
}

/** A request's scope: starts empty, the guard binds it to the caller's workspace once the key is known. */
class RequestScope implements TenantSetting {
  workspaceId: string | null = null;
  readonly crossTenant = null;
}

const NONE: TenantSetting = { workspaceId: null, crossTenant: null };

const storage = new AsyncLocalStorage<TenantSetting>();
let fallback: TenantSetting = NONE;

export const TenantScope = {
  /** Runs `fn` seeing only `workspaceId`'s rows. */
  run<T>(workspaceId: string, fn: () => T): T {
    if (!isUuid(workspaceId)) throw new Error(`tenant scope: not a workspace id: ${workspaceId}`);
    return storage.run({ workspaceId, crossTenant: null }, fn);
  },

  /** Runs `fn` seeing every workspace's rows: a sweep, a scheduler, a job's own row by primary key. */
  crossTenant<T>(reason: string, fn: () => T): T {
    return storage.run({ workspaceId: null, crossTenant: reason }, fn);
  },

  /** Runs `fn` seeing no tenant rows until `bind` names the workspace (an HTTP request before authentication). */
  request<T>(fn: () => T): T {
    return storage.run(new RequestScope(), fn);
  },

  /**
   * Names the workspace of the current request's scope (the API key guard, a signed inbound message, an embed
   * token). Refuses to change a workspace already bound, or to bind outside a request's scope.
   */
  bind(workspaceId: string): void {
    const scope = storage.getStore();
    if (!(scope instanceof RequestScope)) {
      if (scope?.workspaceId === workspaceId) return;
      throw new Error('tenant scope: bind outside a request scope');
    }
    if (!isUuid(workspaceId)) throw new Error(`tenant scope: not a workspace id: ${workspaceId}`);
    if (scope.workspaceId !== null && scope.workspaceId !== workspaceId) {
      throw new Error('tenant scope: the request is bound to another workspace');
    }
    scope.workspaceId = workspaceId;
  },

  /** The scope connections taken now are set to. */
  current(): TenantSetting {
    return storage.getStore() ?? fallback;
  },

  /**
   * The scope of code that runs outside any request, job or explicit scope: none (the default, fail closed) or
   * every workspace for a process that acts as the operator (the CLI; test code driving services directly).
   */
  setFallback(setting: { crossTenant: string } | 'none'): void {
    fallback = setting === 'none' ? NONE : { workspaceId: null, crossTenant: setting.crossTenant };
  },
};
