import type { Writable } from 'node:stream';
import type { ParseArgsConfig } from 'node:util';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../config/schema.js';
import type { SecretScrubber } from '../kernel/secrets.js';
import type { Logger } from '../kernel/logger.js';
import type { TestHooks } from './compose/service.js';

/** One command-line option: node:util parseArgs' option plus what `--help` says about it. */
export type CliOption = NonNullable<ParseArgsConfig['options']>[string] & {
  /** One line for `--help`: what the option does. */
  readonly description: string;
  /** The value's name in `--help` for a string option ("FILE", "URL", "N"); default "VALUE". */
  readonly valueName?: string;
};

export type OptionSpec = Readonly<Record<string, CliOption>>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
  readonly positionals: readonly string[];
}

/** What a command gets from the composition root. Only the CLI's main reads process.env and argv. */
export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly clock: Clock;
  readonly cwd: string;
  /** Present when the command declared needsConfig: parsed and frozen before the command runs. */
  readonly config?: Config;
  readonly scrubber?: SecretScrubber;
  readonly logger: Logger;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Testing aids for the long-running roles, set only by a test entry point (test/support/flipturn-test-entry.ts). */
  readonly testHooks?: TestHooks;
}

export interface CommandSpec {
  /** One or two words: "investigate", "config check", "lab record". */
  readonly name: string;
  readonly summary: string;
  /** Argument synopsis after the command name, e.g. "<scenario-dir> [--json]". */
  readonly usage: string;
  readonly description?: string;
  readonly examples: readonly string[];
  /** When true the configuration is parsed (all problems reported, exit 1) before run() is called. */
  readonly needsConfig: boolean;
  readonly options?: OptionSpec;
  /** Most positionals accepted (default 0). */
  readonly maxPositionals?: number;
  run(ctx: CommandContext, args: ParsedArgs): Promise<number>;
}

export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });
