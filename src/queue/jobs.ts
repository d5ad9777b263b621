import type { JobsOptions } from 'bullmq';
import { QUEUES, QueueName } from './queue-factory';

/** A job's payload type, carried at the type level only (the runtime value is an empty marker). */
export interface JobSpec<T> {
  readonly __payload?: T;
}
const job = <T>(): JobSpec<T> => ({});

/** A scoring run's step; chunk steps name their chunk. */
export interface RunStepJob {
  runId: string;
}
export interface RunChunkJob extends RunStepJob {
  chunkNo: number;
}

/** What a CRM event tells the worklist about a customer that may deserve an urgent call today. */
export type UrgentEventPayload =
  | { kind: 'complaint'; at: string; note?: string | null }
  | { kind: 'order'; at: string; amountMinor: number };

export interface UrgentJob {
  workspaceId: string;
  customerId: string;
  event: UrgentEventPayload;
}

/**
 * The one registry of jobs: queue → job name → payload. `add` calls and `@OnJob` handlers are typed from it, and
 * start-up fails when a job named here has no handler or two (JobHandlers). Payloads are ids and dates, never
 * whole records.
 */
export const JOBS = {
  [QUEUES.scoring]: {
    nightly: job<{ workspaceId: string }>(),
    prepare: job<RunStepJob>(),
    inputs: job<RunChunkJob>(),
    fit: job<RunStepJob>(),
    chunk: job<RunChunkJob>(),
    finalize: job<RunStepJob>(),
    'write-back': job<{ workspaceId: string; runId?: string }>(),
  },
  [QUEUES.worklist]: {
    publish: job<{ workspaceId: string; listDate: string; runId?: string }>(),
    urgent: job<UrgentJob>(),
  },
  [QUEUES.webhooks]: {
    dispatch: job<Record<string, never>>(),
    deliver: job<{ deliveryId: string }>(),
  },
  [QUEUES.crmSync]: {
    inbox: job<{ inboxId: string }>(),
    pull: job<{ connectorId: string }>(),
    /** a CRM-shaped connector's write-back: pending `customer.scores_changed` events → CRM properties */
    push: job<{ connectorId: string }>(),
    /** after a workspace's write-back pass: the push of each of its connectors that write back */
    'push-workspace': job<{ workspaceId: string }>(),
    dedupe: job<{ workspaceId: string; actor?: string }>(),
    import: job<{ importId: string }>(),
  },
  [QUEUES.assignments]: {
    'pool-sweep': job<{ workspaceId: string }>(),
  },
  [QUEUES.maintenance]: {
    /** the daily retention run: one workspace, or every workspace plus the upload files when none is named */
    retention: job<{ workspaceId?: string }>(),
  },
} as const satisfies Record<QueueName, Record<string, JobSpec<unknown>>>;

/**
 * Jobs whose payload names a row rather than a workspace: the payload field and the table of that row. Such a job
 * runs in the tenant scope of the row's workspace (JobHandlers), so its handler sees that one workspace's rows, as a
 * job naming its workspace does.
 */
export const ROW_KEYED_JOBS: { readonly [key: string]: { field: string; table: string } } = {
  [`${QUEUES.scoring}/prepare`]: { field: 'runId', table: 'score_runs' },
  [`${QUEUES.scoring}/inputs`]: { field: 'runId', table: 'score_runs' },
  [`${QUEUES.scoring}/fit`]: { field: 'runId', table: 'score_runs' },
  [`${QUEUES.scoring}/chunk`]: { field: 'runId', table: 'score_runs' },
  [`${QUEUES.scoring}/finalize`]: { field: 'runId', table: 'score_runs' },
  [`${QUEUES.webhooks}/deliver`]: { field: 'deliveryId', table: 'webhook_deliveries' },
  [`${QUEUES.crmSync}/inbox`]: { field: 'inboxId', table: 'crm_inbox' },
  [`${QUEUES.crmSync}/pull`]: { field: 'connectorId', table: 'crm_connectors' },
  [`${QUEUES.crmSync}/push`]: { field: 'connectorId', table: 'crm_connectors' },
  [`${QUEUES.crmSync}/import`]: { field: 'importId', table: 'imports' },
};

/** Jobs that work across workspaces by design, when their payload names none: why. */
export const CROSS_TENANT_JOBS: { readonly [key: string]: string } = {
  [`${QUEUES.webhooks}/dispatch`]: 'the outbox dispatch reads every workspace’s pending events',
  [`${QUEUES.maintenance}/retention`]: 'the daily retention run over every workspace and the upload files',
};

export type JobName<Q extends QueueName> = keyof (typeof JOBS)[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> =
  (typeof JOBS)[Q][N] extends JobSpec<infer T> ? T : never;

/** One entry of `addBulk`, typed by job name. */
export type BulkJob<Q extends QueueName> = {
  [N in JobName<Q>]: { name: N; data: JobData<Q, N>; opts?: JobsOptions };
}[JobName<Q>];

/** A node of a BullMQ flow on queue Q, typed like `add` (children may sit on any queue). */
export interface TypedFlowJob {
  name: string;
  queueName: QueueName;
  data: unknown;
  opts?: JobsOptions;
  children?: TypedFlowJob[];
}

/** Builds a typed flow node: `flowJob(QUEUES.scoring, 'fit', { runId }, opts, children)`. */
export function flowJob<Q extends QueueName, N extends JobName<Q>>(
  queueName: Q,
  name: N,
  data: JobData<Q, N>,
  opts?: JobsOptions,
  children?: TypedFlowJob[],
): TypedFlowJob {
  return { name, queueName, data, ...(opts ? { opts } : {}), ...(children ? { children } : {}) };
}
