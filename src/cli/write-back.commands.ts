import { Command } from 'commander';
import { AppError } from '../common/app-error';
import { parseMappingArgs } from '../write-back/write-back-fields';
import { WriteBackService } from '../write-back/write-back.service';
import { CliError, openSession } from './cli-context';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/** `callplan writeback mapping show|set`: the CRM property names of the written-back fields (docs/write-back.md). */
export function registerWriteBackCommands(program: Command): void {
  const mapping = program
    .command('writeback')
    .description('per-customer write-back to the CRM')
    .command('mapping')
    .description('Callplan field → CRM property name');

  mapping
    .command('show')
    .description('print the field mapping of the workspace (JSON)')
    .action(async (_: unknown, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        console.log(JSON.stringify(await s.app.get(WriteBackService).mapping(s.workspaceId), null, 2));
      } finally {
        await s.close();
      }
    });

  mapping
    .command('set')
    .description(
      'change properties: field=property … (field=- leaves the field out); other fields keep their current ' +
        'names (with --reset: their defaults). The next pass resends every customer under the new names.',
    )
    .argument(
      '<pairs...>',
      'field=property, e.g. tier=callplan_tier nextCallDate=callplan_next_call personality=-',
    )
    .option('--reset', 'start from the default mapping instead of the current one')
    .action(async (pairs: string[], opts: { reset?: boolean }, cmd: Command) => {
      const parsed = parseMappingArgs(pairs);
      if (!parsed.ok) throw new CliError(parsed.problems.join('\n'), 2);
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const service = s.app.get(WriteBackService);
        const base = opts.reset ? {} : (await service.mapping(s.workspaceId)).fields;
        try {
          const saved = await service.setMapping(
            s.workspaceId,
            { fields: { ...base, ...parsed.fields } },
            'cli',
          );
          console.log(JSON.stringify(saved, null, 2));
        } catch (e) {
          if (!(e instanceof AppError) || !Array.isArray(e.details)) throw e;
          const lines = (e.details as Array<{ path: string; message: string }>).map((d) => {
            const field = d.path.replace(/^fields\./, '');
            const i = pairs.findIndex((p) => p.startsWith(`${field}=`));
            return `${i >= 0 ? `argument ${i + 1} ("${pairs[i]}")` : d.path}: ${d.message}`;
          });
          throw new CliError(`${e.message}:\n${lines.join('\n')}`, 2);
        }
      } finally {
        await s.close();
      }
    });
}
