import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseConfig, formatProblems } from '../config/load.js';
import { errorMessage, isFlipturnError } from '../kernel/errors.js';
import { createLogger } from '../kernel/logger.js';
import { EXIT, type CommandContext, type CommandSpec, type OptionSpec } from './command.js';

export interface RunCliOptions {
  readonly argv: readonly string[];
  readonly commands: readonly CommandSpec[];
  readonly version: string;
  readonly base: Omit<CommandContext, 'config' | 'scrubber' | 'logger'> & { logger?: CommandContext['logger'] };
}

/** Finds the command named by the first one or two words of argv (two-word names win). */
export function matchCommand(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): { command: CommandSpec; rest: string[] } | undefined {
  const words = argv.slice(0, 2);
  const two = words.join(' ');
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo && words.length === 2) return { command: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((c) => c.name === words[0]);
  if (byOne) return { command: byOne, rest: argv.slice(1) };
  return undefined;
}

/** Command groups ("lab", "config", "dlq", ...): the first word of two-word command names, with their commands. */
function groupsOf(commands: readonly CommandSpec[]): Map<string, CommandSpec[]> {
  const groups = new Map<string, CommandSpec[]>();
  for (const c of commands) {
    const [group, sub] = c.name.split(' ');
    if (!group || !sub) continue;
    groups.set(group, [...(groups.get(group) ?? []), c]);
  }
  return groups;
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(10, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
}

function renderHelp(commands: readonly CommandSpec[], version: string): string {
  const lines = [
    `flipturn ${version}: root-cause analysis for alerts, answered in the alert's Slack thread.`,
    '',
    'Usage: flipturn <command> [options]',
    '       npm run flipturn -- <command> [options]',
    '',
    'Commands:',
    ...table(commands.map((c) => [c.name, c.summary])),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'Show help (also after a command or a group: flipturn <command> --help, flipturn lab --help)'],
      ['-v, --version', 'Print the version'],
    ]),
    '',
    'Configuration comes from environment variables: run `flipturn config check` to see them.',
  ];
  return `${lines.join('\n')}\n`;
}

function renderGroupHelp(group: string, members: readonly CommandSpec[]): string {
  const lines = [
    `Usage: flipturn ${group} <${members.map((c) => c.name.split(' ')[1]).join('|')}> [options]`,
    '',
    'Commands:',
    ...table(members.map((c) => [c.name, c.summary])),
    '',
    `Run 'flipturn ${group} <command> --help' for the options and examples of one.`,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderCommandHelp(c: CommandSpec): string {
  const options: Array<readonly [string, string]> = Object.entries(c.options ?? {}).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.type === 'string' ? ` (default ${String(o.default)})` : '';
    return [flag, `${o.description}${def}`];
  });
  const lines = [
    `Usage: flipturn ${c.name}${c.usage ? ` ${c.usage}` : ''}`,
    '',
    c.summary,
    ...(c.description ? ['', c.description] : []),
    '',
    'Options:',
    ...table([...options, ['-h, --help', 'Show this help']]),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** node:util parseArgs options (the help-only fields removed). */
function parseArgsOptions(options: OptionSpec | undefined): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options ?? {}).map(([name, o]) => {
      const { description: _description, valueName: _valueName, ...parseOption } = o;
      return [name, parseOption];
    }),
  );
}

const isHelp = (a: string | undefined) => a === '--help' || a === '-h';

/** The whole CLI as a function of argv and streams: returns the exit code. */
export async function runCli(o: RunCliOptions): Promise<number> {
  const { argv, commands, version, base } = o;
  const out = (s: string) => base.stdout.write(s);
  const err = (s: string) => base.stderr.write(s);
  const groups = groupsOf(commands);
  if (argv.length === 0 || (argv.length === 1 && (isHelp(argv[0]) || argv[0] === 'help'))) {
    out(renderHelp(commands, version));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    out(`${version}\n`);
    return EXIT.ok;
  }
  // `flipturn help <command>` is `flipturn <command> --help`.
  const words = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  const match = matchCommand(words, commands);
  if (!match) {
    const group = groups.get(words[0] ?? '');
    if (group && (words.length === 1 || isHelp(words[1]))) {
      // A group alone (`flipturn config`) prints its commands; with --help too, and succeeds.
      out(renderGroupHelp(words[0]!, group));
      return words.length === 1 ? EXIT.usage : EXIT.ok;
    }
    const name = words.slice(0, group ? 2 : 1).join(' ');
    const hint = group
      ? ` 'flipturn ${words[0]}' has: ${group.map((c) => c.name.split(' ')[1]).join(', ')} (flipturn ${words[0]} --help).`
      : ` Run 'flipturn --help' for the list of commands.`;
    err(`flipturn: unknown command '${name}'.${hint}\n`);
    return EXIT.usage;
  }
  const { command, rest } = match;
  if (rest.some(isHelp)) {
    out(renderCommandHelp(command));
    return EXIT.ok;
  }
  let args;
  try {
    const parsed = parseArgs({
      args: rest,
      options: parseArgsOptions(command.options),
      allowPositionals: true,
      strict: true,
    });
    args = { values: parsed.values, positionals: parsed.positionals };
  } catch (e) {
    err(`flipturn ${command.name}: ${errorMessage(e)}. Run 'flipturn ${command.name} --help'.\n`);
    return EXIT.usage;
  }
  if (args.positionals.length > (command.maxPositionals ?? 0)) {
    err(
      `flipturn ${command.name}: unexpected argument '${args.positionals[command.maxPositionals ?? 0]}'. Usage: flipturn ${command.name} ${command.usage}\n`,
    );
    return EXIT.usage;
  }
  let ctx: CommandContext;
  if (command.needsConfig) {
    const parsed = parseConfig(base.env);
    if (!parsed.ok) {
      err(`flipturn ${command.name}: ${formatProblems(parsed.problems)}\n`);
      return EXIT.failure;
    }
    const logger = base.logger ?? createLogger({ level: parsed.config.LOG_LEVEL, scrubber: parsed.scrubber });
    ctx = { ...base, config: parsed.config, scrubber: parsed.scrubber, logger };
  } else {
    ctx = { ...base, logger: base.logger ?? createLogger({ level: 'warn' }) };
  }
  try {
    return await command.run(ctx, args);
  } catch (e) {
    const text = ctx.scrubber ? ctx.scrubber.scrub(errorMessage(e)) : errorMessage(e);
    const code = isFlipturnError(e) ? ` [${e.code}]` : '';
    // A message that already names the command ("flipturn serve needs REDIS_URL ...") is not prefixed twice.
    err(`${text.startsWith('flipturn ') ? '' : `flipturn ${command.name}: `}${text}${code}\n`);
    return isFlipturnError(e, 'FT_USAGE') ? EXIT.usage : EXIT.failure;
  }
}
