import { Command, InvalidArgumentError } from 'commander';
import { EVENT_TYPES, unknownEventTypes } from '../webhooks/event-types';
import {
  DeliveryView,
  WebhookEndpointsService,
  WebhookEndpointView,
} from '../webhooks/webhook-endpoints.service';
import { CliSession, openSession } from './cli-context';
import { positiveInt } from './cli-options';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/**
 * `callplan webhook …`: outbound endpoints (the same operations as /v1/webhook-endpoints): list, show, enable,
 * disable, delete, rotate, deliveries, replay, recover, test. `webhook add` sits with the other ops commands; both
 * hang under the one `webhook` command.
 */
export function registerWebhookCommands(program: Command): void {
  const webhook =
    program.commands.find((c) => c.name() === 'webhook') ??
    program.command('webhook').description('outbound webhook endpoints');
  registerEndpointCommands(webhook);
  registerDeliveryCommands(webhook);
}

/** list, show, enable, disable, delete, update, rotate */
function registerEndpointCommands(webhook: Command): void {
  webhook
    .command('list')
    .description('endpoints of the workspace')
    .action(
      withSession(async (s) => {
        const rows = await s.app.get(WebhookEndpointsService).list(s.workspaceId);
        if (rows.length === 0) console.log('no endpoints');
        for (const e of rows) console.log(endpointLine(e));
      }),
    );

  webhook
    .command('show <id>')
    .description('one endpoint')
    .action(
      withSession(async (s, id: string) => {
        const e = await s.app.get(WebhookEndpointsService).get(s.workspaceId, id);
        console.log(JSON.stringify(e, null, 2));
      }),
    );

  for (const [name, active] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    webhook
      .command(`${name} <id>`)
      .description(active ? 'enable an endpoint (clears its failure streak)' : 'disable an endpoint')
      .action(
        withSession(async (s, id: string) => {
          console.log(
            endpointLine(await s.app.get(WebhookEndpointsService).setActive(s.workspaceId, id, active)),
          );
        }),
      );
  }

  webhook
    .command('delete <id>')
    .description('delete an endpoint and its delivery log')
    .action(
      withSession(async (s, id: string) => {
        await s.app.get(WebhookEndpointsService).remove(s.workspaceId, id);
        console.log(`deleted ${id}`);
      }),
    );

  webhook
    .command('update <id>')
    .description('change the URL and/or the event types of an endpoint')
    .option('--url <url>', 'new URL (public http(s) only)')
    .option('--events <types>', `comma-separated event types: ${EVENT_TYPES.join(', ')}`, eventTypesOption)
    .action(
      withSession(async (s, id: string, opts: { url?: string; events?: string[] }) => {
        const e = await s.app
          .get(WebhookEndpointsService)
          .update(s.workspaceId, id, { url: opts.url, eventTypes: opts.events });
        console.log(endpointLine(e));
      }),
    );

  webhook
    .command('rotate <id>')
    .description('new signing secret (printed once); the old one also signs during --overlap hours')
    .option('--overlap <hours>', 'hours both secrets sign (0–168)', positiveInt('--overlap'), 24)
    .action(
      withSession(async (s, id: string, opts: { overlap: number }) => {
        const r = await s.app.get(WebhookEndpointsService).rotate(s.workspaceId, id, opts.overlap);
        console.log(`secret   ${r.secret}`);
        console.log(
          `previous secret signs until ${r.previousSecretExpiresAt?.toISOString() ?? '(now: no overlap)'}`,
        );
      }),
    );
}

/** deliveries, replay, recover, test */
function registerDeliveryCommands(webhook: Command): void {
  webhook
    .command('deliveries <id>')
    .description('delivery log of an endpoint, newest first')
    .option('--status <status>', 'pending | delivered | failed | dead', statusOption)
    .option('--since <time>', 'created at or after (ISO 8601)', dateOption('--since'))
    .option('--until <time>', 'created before (ISO 8601)', dateOption('--until'))
    .option('--limit <n>', 'rows (1–500)', limitOption, 50)
    .action(
      withSession(
        async (
          s,
          id: string,
          opts: { status?: DeliveryView['status']; since?: Date; until?: Date; limit: number },
        ) => {
          const rows = await s.app.get(WebhookEndpointsService).deliveries(s.workspaceId, id, opts);
          if (rows.length === 0) console.log('no deliveries');
          for (const d of rows) console.log(deliveryLine(d));
        },
      ),
    );

  webhook
    .command('replay <deliveryId>')
    .description('send one delivery again (same webhook-id)')
    .action(
      withSession(async (s, id: string) => {
        console.log(deliveryLine(await s.app.get(WebhookEndpointsService).replay(s.workspaceId, id)));
      }),
    );

  webhook
    .command('recover <id>')
    .description('replay every failed delivery of the endpoint since a time')
    .requiredOption('--since <time>', 'ISO 8601 time', dateOption('--since'))
    .action(
      withSession(async (s, id: string, opts: { since: Date }) => {
        const r = await s.app.get(WebhookEndpointsService).recover(s.workspaceId, id, opts.since);
        console.log(`${r.scheduled} deliveries scheduled again`);
      }),
    );

  webhook
    .command('test <id>')
    .description("send the catalog's example of an event type now")
    .option('--event <type>', 'event type (default: the first the endpoint subscribes to)', eventTypeOption)
    .action(
      withSession(async (s, id: string, opts: { event?: string }) => {
        const r = await s.app.get(WebhookEndpointsService).sendTest(s.workspaceId, id, opts.event);
        console.log(
          `delivery ${r.deliveryId}: ${r.status}${r.httpStatus !== null ? ` (HTTP ${r.httpStatus})` : ''}${r.error ? ` — ${r.error}` : ''}`,
        );
      }),
    );
}

/** Runs an action in a session of the --workspace, closed afterwards; the Command is commander's last argument. */
function withSession<A extends unknown[]>(fn: (s: CliSession, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const s = await openSession({ workspace: globals(cmd).workspace });
    try {
      await fn(s, ...(args.slice(0, -1) as A));
    } finally {
      await s.close();
    }
  };
}

/** `--events a,b`: rejected here, naming the unknown types, before anything is opened. */
export function eventTypesOption(value: string): string[] {
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = unknownEventTypes(types);
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown event type ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`,
    );
  return types;
}

function eventTypeOption(value: string): string {
  return eventTypesOption(value)[0] ?? EVENT_TYPES[0];
}

function statusOption(value: string): DeliveryView['status'] {
  if (!['pending', 'delivered', 'failed', 'dead'].includes(value))
    throw new InvalidArgumentError('expected pending, delivered, failed or dead');
  return value as DeliveryView['status'];
}

function limitOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('expected 1–500');
  return n;
}

function dateOption(name: string) {
  return (value: string) => {
    const d = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime()))
      throw new InvalidArgumentError(`${name} must be an ISO 8601 date or time`);
    return d;
  };
}

function endpointLine(e: WebhookEndpointView): string {
  const state = e.active ? 'active' : `disabled (${e.disabledReason ?? 'manual'})`;
  const failing = e.failingSince ? `  failing since ${e.failingSince.toISOString()}` : '';
  return `${e.id}  ${state.padEnd(18)} ${e.url}  [${e.eventTypes.join(',') || 'all events'}]${failing}`;
}

function deliveryLine(d: DeliveryView): string {
  return [
    d.id.padStart(8),
    d.status.padEnd(9),
    `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`.padEnd(11),
    (d.responseStatus === null ? '-' : String(d.responseStatus)).padEnd(4),
    d.eventType.padEnd(26),
    d.messageId,
    d.nextAttemptAt ? `next ${d.nextAttemptAt.toISOString()}` : '',
    d.error ?? '',
  ]
    .filter(Boolean)
    .join('  ');
}
