/** The Slack Web API stand-in lives in src/slack/standin.ts (the demo uses it too); tests import it from here. */
export { startSlackStandin, renderTranscript } from '../../src/slack/standin.js';
export type { SlackStandin, StandinMessage, ScriptedResponse, StandinCall, StandinOptions } from '../../src/slack/standin.js';
