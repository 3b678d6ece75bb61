import { startSlackStandin } from '../../lab/standins/slack.js';
import { EXIT, type CommandSpec } from '../command.js';

/**
 * `flipturn lab slack-standin`: the local Slack Web API stand-in the demo uses, as a long-running server, for the
 * compose lab profile and manual trials (point SLACK_API_URL at it). It prints the thread transcript whenever a
 * message is posted or edited, so `docker compose logs -f slack-standin` shows what operators would see.
 */
export const labSlackStandinCommand: CommandSpec = {
  name: 'lab slack-standin',
  summary: 'Run a local Slack Web API stand-in that prints every thread as operators would see it.',
  usage: '[--host H] [--port N] [--token T]',
  description:
    'Implements chat.postMessage, chat.update, auth.test and conversations.replies/history for a bot token. ' +
    'Point Flipturn at it with SLACK_API_URL=http://<host>:<port>/api/ and SLACK_BOT_TOKEN=<token>. Stops on SIGINT/SIGTERM.',
  examples: [
    'flipturn lab slack-standin --port 3300',
    'SLACK_API_URL=http://127.0.0.1:3300/api/ SLACK_BOT_TOKEN=xoxb-lab-standin-token flipturn start',
  ],
  needsConfig: false,
  options: {
    host: {
      type: 'string',
      default: '127.0.0.1',
      valueName: 'HOST',
      description: 'Address to bind (0.0.0.0 only inside a container network)',
    },
    port: { type: 'string', default: '3300', valueName: 'PORT', description: 'TCP port to listen on (0: a free port)' },
    token: {
      type: 'string',
      default: 'xoxb-lab-standin-token',
      valueName: 'TOKEN',
      description: 'The bot token the stand-in accepts (SLACK_BOT_TOKEN of the Flipturn it serves)',
    },
  },
  async run(ctx, args) {
    const port = Number(args.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.stderr.write(
        `flipturn lab slack-standin: --port must be a port number (0-65535), got '${String(args.values.port)}'.\n`,
      );
      return EXIT.usage;
    }
    const standin = await startSlackStandin({ host: String(args.values.host), port, token: String(args.values.token) });
    ctx.stderr.write(
      `slack stand-in listening: SLACK_API_URL=${standin.apiUrl} (token ${String(args.values.token)})\n`,
    );
    let printed = '';
    const timer = setInterval(() => {
      const now = standin.transcript();
      if (now !== printed) {
        printed = now;
        ctx.stdout.write(`\n----- Slack, as operators see it -----\n${now}\n`);
      }
    }, 500);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(timer);
    await standin.stop();
    return EXIT.ok;
  },
};
