/** The Slack Web API stand-in lives in src/lab/standins/slack.ts (the demo and `lab slack-standin` run it); tests import it from here. */
export { startSlackStandin } from '../../src/lab/standins/slack.js';
export type { SlackStandin, StandinMessage } from '../../src/lab/standins/slack.js';
