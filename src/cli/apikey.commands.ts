import { Command } from 'commander';
import { ApiKeyView, ApiKeysService } from '../auth/api-keys.service';
import { parseInstant } from '../common/instant';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { CliError, openSession } from './cli-context';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/** `callplan apikey list|create|revoke|rotate`: key management from the shell (audited as `cli`). */
export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('API keys: list, create, revoke, rotate');
  apikey
    .command('list')
    .description('list the workspace keys (never the secrets)')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      await withKeys(cmd, async (keys, workspaceId) => {
        const items = await keys.list(workspaceId, { limit: 500, includeRevoked: !!opts.all });
        console.log(opts.json ? JSON.stringify(items, null, 2) : table(items));
      });
    });
  apikey
    .command('create')
    .description('create an API key (the secret is printed once, on stdout)')
    .requiredOption('--role <role>', 'rep | manager | admin | integration')
    .option('--rep <externalId>', 'the rep (or manager) the key belongs to')
    .option('--name <name>', 'label', 'cli')
    .option('--expires <instant>', 'expiry, ISO 8601 with offset (2027-01-31T00:00:00Z)')
    .action(async (opts: { role: string; rep?: string; name: string; expires?: string }, cmd: Command) => {
      const expiresAt = instantOption('--expires', opts.expires);
      await withKeys(cmd, async (keys, workspaceId, session) => {
        const repId = opts.rep
          ? (await session.app.get(WorkspacesService).repByExternalId(workspaceId, opts.rep)).id
          : null;
        const created = await keys.create({
          workspaceId,
          name: opts.name,
          role: opts.role as never,
          repId,
          expiresAt,
        });
        process.stderr.write(
          `key ${created.id}${created.expiresAt ? ` expires ${created.expiresAt}` : ''}\n`,
        );
        console.log(created.key);
      });
    });
  apikey
    .command('revoke <id>')
    .description('revoke a key at once')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withKeys(cmd, async (keys, workspaceId) => {
        const revoked = await keys.revoke(workspaceId, id);
        console.log(`revoked ${revoked.id} (${revoked.name}, ${revoked.role})`);
      });
    });
  apikey
    .command('rotate <id>')
    .description('replace a key with a new secret (printed once); the old one is revoked or overlaps')
    .option('--overlap <seconds>', 'seconds the old key keeps working (default 0)', '0')
    .option('--expires <instant>', "the new key's expiry (default: the old key's lifetime)")
    .action(async (id: string, opts: { overlap: string; expires?: string }, cmd: Command) => {
      if (!/^\d{1,7}$/.test(opts.overlap))
        throw new CliError(`--overlap: expected whole seconds, got "${opts.overlap}"`, 2);
      const expiresAt = instantOption('--expires', opts.expires);
      await withKeys(cmd, async (keys, workspaceId) => {
        const rotated = await keys.rotate(workspaceId, id, {
          overlapSeconds: Number(opts.overlap),
          expiresAt,
        });
        const old = rotated.previous;
        process.stderr.write(
          `key ${rotated.id} replaces ${old.id}: ${old.status === 'revoked' ? 'revoked' : `works until ${old.expiresAt}`}\n`,
        );
        console.log(rotated.key);
      });
    });
}

async function withKeys(
  cmd: Command,
  fn: (
    keys: ApiKeysService,
    workspaceId: string,
    s: Awaited<ReturnType<typeof openSession>>,
  ) => Promise<void>,
): Promise<void> {
  const s = await openSession({ workspace: globals(cmd).workspace });
  try {
    await fn(s.app.get(ApiKeysService), s.workspaceId, s);
  } finally {
    await s.close();
  }
}

function instantOption(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = parseInstant(value);
  if (!at) throw new CliError(`${flag}: expected an ISO 8601 date-time with offset, got "${value}"`, 2);
  return at;
}

function table(items: ApiKeyView[]): string {
  if (items.length === 0) return 'no keys';
  const rows = items.map((k) => [
    k.id,
    `${k.prefix}_…`,
    k.name,
    k.role,
    k.rep?.externalId ?? '',
    k.createdAt.slice(0, 19) + 'Z',
    k.lastUsedAt ? k.lastUsedAt.slice(0, 19) + 'Z' : 'never',
    k.expiresAt ? k.expiresAt.slice(0, 19) + 'Z' : 'never',
    k.status,
  ]);
  const head = ['id', 'key', 'name', 'role', 'rep', 'created', 'last used', 'expires', 'status'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
