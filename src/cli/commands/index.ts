import type { CommandSpec } from '../command.js';
import { configCheckCommand } from './config-check.js';
import { demoCommand } from './demo.js';
import { dlqCommands } from './dlq.js';
import { labListCommand, labRecordCommand } from './lab.js';
import { labReplayCommand } from './lab-replay.js';
import { labSlackStandinCommand } from './lab-slack-standin.js';
import { scenarioValidateCommand } from './scenario-validate.js';
import { evalCommand } from './eval.js';
import { feedbackExportCommand } from './feedback.js';
import { investigateCommand } from './investigate.js';
import { providersCheckCommand } from './providers-check.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';
import { workerCommand } from './worker.js';

/**
 * Every CLI command, in the order `flipturn --help` lists them. Each module exports one CommandSpec (or a few);
 * add yours with one import line and one entry.
 */
export const COMMANDS: readonly CommandSpec[] = [
  configCheckCommand,
  labListCommand,
  labRecordCommand,
  labReplayCommand,
  labSlackStandinCommand,
  scenarioValidateCommand,
  investigateCommand,
  evalCommand,
  providersCheckCommand,
  feedbackExportCommand,
  ...dlqCommands(),
  serveCommand,
  workerCommand,
  startCommand,
  demoCommand,
];
