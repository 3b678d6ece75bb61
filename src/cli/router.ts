import { parseArgs } from 'node:util';
import { parseConfig, formatProblems } from '../config/load.js';
import { errorMessage, isFlipturnError } from '../kernel/errors.js';
import { createLogger } from '../kernel/logger.js';
import { EXIT, type CommandContext, type CommandSpec } from './command.js';

export interface RunCliOptions {
  readonly argv: readonly string[];
  readonly commands: readonly CommandSpec[];
  readonly version: string;
  readonly base: Omit<CommandContext, 'config' | 'scrubber' | 'logger'> & { logger?: CommandContext['logger'] };
}

/** Finds the command named by the first one or two words of argv (two-word names win). */
export function matchCommand(argv: readonly string[], commands: readonly CommandSpec[]): { command: CommandSpec; rest: string[] } | undefined {
  const words = argv.slice(0, 2);
  const two = words.join(' ');
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo && words.length === 2) return { command: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((c) => c.name === words[0]);
  if (byOne) return { command: byOne, rest: argv.slice(1) };
  return undefined;
}

function renderHelp(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length), 10);
  const lines = [
    `flipturn ${version}: root-cause analysis for alerts, answered in the alert's Slack thread.`,
    '',
    'Usage: flipturn <command> [options]',
    '       npm run flipturn -- <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --help, -h     Show help (also after a command: flipturn <command> --help)',
    '  --version, -v  Print the version',
    '',
    'Configuration comes from environment variables: run `flipturn config check` to see them.',
  ];
  return `${lines.join('\n')}\n`;
}

export function renderCommandHelp(c: CommandSpec): string {
  const opts = Object.entries(c.options ?? {}).map(([name, o]) => {
    const flag = `--${name}${o.short ? `, -${o.short}` : ''}${o.type === 'string' ? ' <value>' : ''}`;
    const def = o.default !== undefined && o.type === 'string' ? ` (default ${String(o.default)})` : '';
    return `  ${flag}${def}`;
  });
  const lines = [
    `flipturn ${c.name}${c.usage ? ` ${c.usage}` : ''}`,
    '',
    c.summary,
    ...(c.description ? ['', c.description] : []),
    ...(opts.length ? ['', 'Options:', ...opts, '  --help, -h'] : ['', 'Options:', '  --help, -h']),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The whole CLI as a function of argv and streams: returns the exit code. */
export async function runCli(o: RunCliOptions): Promise<number> {
  const { argv, commands, version, base } = o;
  const out = (s: string) => base.stdout.write(s);
  const err = (s: string) => base.stderr.write(s);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    out(renderHelp(commands, version));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    out(`${version}\n`);
    return EXIT.ok;
  }
  const match = matchCommand(argv, commands);
  if (!match) {
    err(`flipturn: unknown command '${argv.slice(0, 2).join(' ')}'. Run 'flipturn --help' for the list of commands.\n`);
    return EXIT.usage;
  }
  const { command, rest } = match;
  if (rest.includes('--help') || rest.includes('-h')) {
    out(renderCommandHelp(command));
    return EXIT.ok;
  }
  let args;
  try {
    const parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
    args = { values: parsed.values, positionals: parsed.positionals };
  } catch (e) {
    err(`flipturn ${command.name}: ${errorMessage(e)}. Run 'flipturn ${command.name} --help'.\n`);
    return EXIT.usage;
  }
  if (args.positionals.length > (command.maxPositionals ?? 0)) {
    err(`flipturn ${command.name}: unexpected argument '${args.positionals[command.maxPositionals ?? 0]}'. Usage: flipturn ${command.name} ${command.usage}\n`);
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
    err(`flipturn ${command.name}: ${text}${code}\n`);
    return isFlipturnError(e, 'FT_USAGE') ? EXIT.usage : EXIT.failure;
  }
}
