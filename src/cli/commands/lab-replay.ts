import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { replayScenario } from '../../lab/replay/replay.js';
import { EXIT, type CommandSpec } from '../command.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const labReplayCommand: CommandSpec = {
  name: 'lab replay',
  summary: "Push a recorded scenario's telemetry to live OTLP/HTTP endpoints, then deliver its alert to a gate.",
  usage:
    '<scenario-dir> [--shift-to-now] [--traces-url URL] [--logs-url URL] [--metrics-url URL] [--alert-url URL --alert-token T]',
  description:
    'Re-times the scenario (--shift-to-now: its alert fires now), POSTs every OTLP/JSON export request to the given endpoints ' +
    '(Tempo :4318/v1/traces, Loki /otlp/v1/logs, Prometheus /api/v1/otlp/v1/metrics, or a Collector), waits for the backends ' +
    "to index, then sends alert.json to the gate's route for the scenario's alert source, authenticated with --alert-token " +
    '(Datadog token, Alertmanager bearer token or Slack signing secret). Used by `docker compose --profile lab up`.',
  examples: [
    'flipturn lab replay scenarios/cache_poison_pill --shift-to-now --traces-url http://127.0.0.1:4318/v1/traces',
    'flipturn lab replay scenarios/cache_poison_pill --shift-to-now --traces-url http://tempo:4318/v1/traces --logs-url http://loki:3100/otlp/v1/logs --metrics-url http://prometheus:9090/api/v1/otlp/v1/metrics --alert-url http://gate:3000 --alert-token $DATADOG_WEBHOOK_TOKEN',
  ],
  needsConfig: false,
  maxPositionals: 1,
  options: {
    'shift-to-now': {
      type: 'boolean',
      default: false,
      description: 'Re-time the telemetry so that the alert fires now',
    },
    'traces-url': {
      type: 'string',
      valueName: 'URL',
      description: 'OTLP/HTTP traces endpoint (Tempo :4318/v1/traces or a Collector)',
    },
    'logs-url': {
      type: 'string',
      valueName: 'URL',
      description: 'OTLP/HTTP logs endpoint (Loki /otlp/v1/logs or a Collector)',
    },
    'metrics-url': {
      type: 'string',
      valueName: 'URL',
      description: 'OTLP/HTTP metrics endpoint (Prometheus /api/v1/otlp/v1/metrics or a Collector)',
    },
    'alert-url': {
      type: 'string',
      valueName: 'URL',
      description: "Base URL of a Flipturn gate to send the scenario's alert to",
    },
    'alert-token': {
      type: 'string',
      valueName: 'TOKEN',
      description: 'Datadog token, Alertmanager bearer token or Slack signing secret for --alert-url',
    },
    'wait-ms': {
      type: 'string',
      default: '5000',
      valueName: 'MS',
      description: 'How long to let the backends index before the alert is sent, in milliseconds',
    },
    json: {
      type: 'boolean',
      default: false,
      description: "Print the summary (what was sent, what failed, the gate's answer) as JSON",
    },
  },
  async run(ctx, args) {
    const dir = args.positionals[0];
    if (!dir) {
      ctx.stderr.write('flipturn lab replay: give a scenario directory. Run `flipturn lab replay --help`.\n');
      return EXIT.usage;
    }
    const waitMs = Number(args.values['wait-ms']);
    if (!Number.isInteger(waitMs) || waitMs < 0) {
      ctx.stderr.write(
        `flipturn lab replay: --wait-ms must be a non-negative integer, got '${String(args.values['wait-ms'])}'.\n`,
      );
      return EXIT.usage;
    }
    const urls = {
      ...(str(args.values['traces-url']) ? { traces: str(args.values['traces-url']) } : {}),
      ...(str(args.values['logs-url']) ? { logs: str(args.values['logs-url']) } : {}),
      ...(str(args.values['metrics-url']) ? { metrics: str(args.values['metrics-url']) } : {}),
    };
    const alertUrl = str(args.values['alert-url']);
    const alertToken = str(args.values['alert-token']);
    const summary = await replayScenario({
      dir: resolve(ctx.cwd, dir),
      nowMs: ctx.clock.nowMs(),
      shiftToNow: args.values['shift-to-now'] === true,
      urls,
      ...(alertUrl ? { alertUrl } : {}),
      ...(alertToken ? { alertToken } : {}),
      waitMs,
      sleep: (ms) => sleep(ms, undefined, { signal: ctx.signal }),
      progress: (line) => ctx.stderr.write(`${line}\n`),
      signal: ctx.signal,
    });
    if (args.values.json === true) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else
      ctx.stdout.write(
        `sent traces=${summary.sent.traces} logs=${summary.sent.logs} metrics=${summary.sent.metrics}, failed=${summary.failed}${summary.alert ? `, alert answered ${summary.alert.status}` : ''}\n`,
      );
    const alertOk = !summary.alert || (summary.alert.status >= 200 && summary.alert.status < 300);
    return summary.failed === 0 && alertOk ? EXIT.ok : EXIT.failure;
  },
};
