import { Command, CommanderError } from 'commander';
import { eventTypesOption, registerWebhookCommands } from './webhook.commands';

describe('webhook CLI options', () => {
  it('accepts catalog event types and names unknown ones', () => {
    expect(eventTypesOption('worklist.outcome_recorded, customer.scores_changed')).toEqual([
      'worklist.outcome_recorded',
      'customer.scores_changed',
    ]);
    expect(() => eventTypesOption('worklist.published,no.such.event')).toThrow(
      /unknown event type no\.such\.event/,
    );
  });

  it('rejects --events no.such.event while parsing, before opening anything', async () => {
    const program = new Command('callplan').option('-w, --workspace <slug>', '', 'default').exitOverride();
    registerWebhookCommands(program);
    const webhook = program.commands.find((c) => c.name() === 'webhook')!;
    for (const c of [program, webhook, ...webhook.commands])
      c.exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(
      program.parseAsync(
        ['webhook', 'update', '00000000-0000-4000-8000-000000000000', '--events', 'no.such.event'],
        {
          from: 'user',
        },
      ),
    ).rejects.toMatchObject({ code: 'commander.invalidArgument' } satisfies Partial<CommanderError>);
    await expect(
      program.parseAsync(['webhook', 'deliveries', 'x', '--status', 'lost'], { from: 'user' }),
    ).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });

  it('hangs its subcommands under an existing `webhook` command', () => {
    const program = new Command('callplan');
    program.command('webhook').command('add');
    registerWebhookCommands(program);
    const names = program.commands.filter((c) => c.name() === 'webhook');
    expect(names).toHaveLength(1);
    expect(names[0].commands.map((c) => c.name())).toEqual(
      expect.arrayContaining([
        'add',
        'list',
        'show',
        'enable',
        'disable',
        'delete',
        'rotate',
        'deliveries',
        'replay',
        'recover',
      ]),
    );
  });
});
