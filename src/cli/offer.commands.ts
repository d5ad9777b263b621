import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { AppError } from '../common/app-error';
import { OffersService, OfferView } from '../offers/offers.service';
import { CliError, CliSession, openSession } from './cli-context';
import { positiveInt } from './cli-options';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/**
 * `callplan offers …`: the offer catalog (the same operations as /v1/offers): list, show, versions, create,
 * update, archive. create and update read the offer as JSON from --file (docs/architecture.md "Offers"); update
 * and archive change the version given with --version, or the current one when it is left out.
 */
export function registerOfferCommands(program: Command): void {
  const offers = program.command('offers').description('the offer catalog: terms, budgets, caps, versions');

  offers
    .command('list')
    .description('offers with their state and budget use')
    .option('--all', 'also archived offers')
    .action(
      withSession(async (s, opts: { all?: boolean }) => {
        const rows = await s.app.get(OffersService).list(s.workspaceId, { includeArchived: !!opts.all });
        if (rows.length === 0) console.log('no offers');
        for (const o of rows) console.log(offerLine(o));
      }),
    );

  offers
    .command('show <code>')
    .description('one offer as JSON')
    .action(
      withSession(async (s, code: string) => {
        console.log(JSON.stringify(await s.app.get(OffersService).get(s.workspaceId, code), null, 2));
      }),
    );

  offers
    .command('versions <code>')
    .description('every version of an offer, newest first')
    .action(
      withSession(async (s, code: string) => {
        for (const v of await s.app.get(OffersService).versions(s.workspaceId, code)) {
          console.log(`v${v.version}  ${v.createdAt}  ${v.createdBy ?? '-'}  ${JSON.stringify(v.terms)}`);
        }
      }),
    );

  offers
    .command('create')
    .description('create an offer from a JSON file (code and terms)')
    .requiredOption('--file <path>', 'the offer as JSON')
    .action(
      withSession(async (s, opts: { file: string }) => {
        const body = await readJson(opts.file);
        console.log(offerLine(await s.app.get(OffersService).create(s.workspaceId, body, 'cli')));
      }),
    );

  offers
    .command('update <code>')
    .description('replace the terms of an offer from a JSON file: a new version')
    .requiredOption('--file <path>', 'the terms as JSON (without the code)')
    .option('--version <n>', 'the version you read (default: the current one)', positiveInt('--version'))
    .action(
      withSession(async (s, code: string, opts: { file: string; version?: number }) => {
        const body = await readJson(opts.file);
        const service = s.app.get(OffersService);
        const version = opts.version ?? (await service.get(s.workspaceId, code)).version;
        console.log(offerLine(await service.update(s.workspaceId, code, body, version, 'cli')));
      }),
    );

  offers
    .command('archive <code>')
    .description('archive an offer: never shown again; published items keep it')
    .option('--version <n>', 'the version you read (default: the current one)', positiveInt('--version'))
    .action(
      withSession(async (s, code: string, opts: { version?: number }) => {
        const service = s.app.get(OffersService);
        const version = opts.version ?? (await service.get(s.workspaceId, code)).version;
        console.log(offerLine(await service.archive(s.workspaceId, code, version, 'cli')));
      }),
    );
}

/** `WINBACK_STANDARD  v2  active     12 used (188 left)  £312.50 spent  priority 80` */
export function offerLine(o: OfferView): string {
  const u = o.usage;
  const left = u.remaining === null ? '' : ` (${u.remaining} left)`;
  const money =
    u.remainingMinor === null ? '' : `  ${u.redeemedMinor} spent (${u.remainingMinor} left, minor units)`;
  return `${o.code.padEnd(24)} v${String(o.version).padEnd(3)} ${o.state.padEnd(10)} ${u.redemptions} used${left}${money}  priority ${o.terms.priority}`;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, 2);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${path} is not JSON: ${(e as Error).message}`, 2);
  }
}

/**
 * Runs an action in a session of the --workspace, closed afterwards; the Command is commander's last argument.
 * A validation failure lists each field path.
 */
function withSession<A extends unknown[]>(fn: (s: CliSession, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const s = await openSession({ workspace: globals(cmd).workspace });
    try {
      await fn(s, ...(args.slice(0, -1) as A));
    } catch (e) {
      if (e instanceof AppError && Array.isArray(e.details)) {
        const issues = e.details as Array<{ path: string; message: string }>;
        throw new CliError(`${e.message}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, 2);
      }
      throw e;
    } finally {
      await s.close();
    }
  };
}
