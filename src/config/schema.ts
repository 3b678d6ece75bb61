import { z } from 'zod';
import { parseRedisUrl } from '../kernel/redis-url.js';

/**
 * Every setting Flipturn reads, in one zod schema over the environment. Each entry carries a description
 * (used by .env.example, `flipturn config check` and the README's configuration table) and whether it is a
 * secret (masked everywhere it is printed).
 */
export interface SettingMeta {
  readonly description: string;
  readonly secret?: boolean;
  readonly group:
    'service' | 'redis' | 'slack' | 'ingress' | 'datadog' | 'sentry' | 'grafana' | 'otlp' | 'llm' | 'self' | 'analysis';
  readonly example?: string;
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = () => z.preprocess(emptyToUndefined, z.string().min(1).optional());
/**
 * Secrets: unset means "feature off", but a secret that is set and empty is an error, not "off": it is almost
 * always an unresolved template or a broken secret mount, and silently running without it would hide that.
 */
const optionalSecret = (minLength = 1) =>
  z
    .string()
    .refine((v) => v.trim() !== '', 'is set but empty: give it a value or unset it')
    .refine((v) => v.trim() === '' || v.length >= minLength, `must be at least ${minLength} characters`)
    .optional();
const optionalUrl = (protocols: readonly string[] = ['http:', 'https:']) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => isUrl(v, protocols), {
        message: `must be a URL (${protocols.map((p) => p.replace(':', '://')).join(' or ')}...)`,
      })
      .optional(),
  );
/** A ratio setting: every failure says what is expected (load.ts adds the value it got). */
const ratio = { error: () => 'must be a number from 0 to 1' };
/** An integer setting in [min, max]; every failure says what is expected (load.ts adds the value it got). */
const intIn = (min: number, max: number, fallback: number) => {
  const expected = {
    error: () =>
      `must be ${min === 1 && max === 65535 ? 'a port number (1-65535)' : `an integer from ${min} to ${max}`}`,
  };
  return z.preprocess(
    emptyToUndefined,
    z.coerce.number(expected).int(expected).min(min, expected).max(max, expected).default(fallback),
  );
};

function isJsonObject(value: string): boolean {
  try {
    const v = JSON.parse(value) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** OTEL_* list values (W3C Baggage style, as the OpenTelemetry SDK reads them): key=value pairs, comma-separated. */
function isKeyValueList(value: string): boolean {
  return value.split(',').every((pair) => /^\s*[^=\s][^=]*=.*$/.test(pair));
}

const OTLP_PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
const TRACES_EXPORTERS: readonly string[] = ['otlp', 'console', 'zipkin', 'none'];
const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

function isUrl(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const SETTINGS = {
  PORT: { group: 'service', description: 'TCP port of the HTTP trust gate (serve/start).', example: '3000' },
  HOST: {
    group: 'service',
    description: 'Address the HTTP gate binds to. 127.0.0.1 locally, 0.0.0.0 in a container.',
    example: '127.0.0.1',
  },
  LOG_LEVEL: {
    group: 'service',
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
    example: 'info',
  },
  REDIS_URL: {
    group: 'redis',
    secret: true,
    description:
      'Redis connection URL: redis:// or rediss:// for one Redis, redis+cluster://host:port,host:port,... (rediss+cluster:// for TLS, user:password@ before the nodes) for a Redis Cluster, listing any reachable nodes as seeds. Unset: in-process queue and memory (single process only).',
    example: 'redis://127.0.0.1:6379',
  },
  FLIPTURN_ALLOW_VOLATILE_QUEUE: {
    group: 'redis',
    description:
      'Run even though the queue keeps nothing on disk (Redis without appendonly, or no REDIS_URL: the in-process queue). Without it the service refuses to start on such a queue, because a 2xx from the gate would not mean the alert is stored. true only for demos, trials and tests.',
    example: 'false',
  },
  MEMORY_TTL_SECONDS: {
    group: 'redis',
    description:
      'How long thread memory (incident evidence, thread context, delivery ledger, follow-up history) is kept, in seconds. Default 14 days.',
    example: '1209600',
  },
  WORKER_CONCURRENCY: {
    group: 'service',
    description:
      'Most signals (alerts, follow-ups) one worker process handles at once. Alerts of one incident never run in parallel.',
    example: '4',
  },
  RECLAIM_IDLE_MS: {
    group: 'redis',
    description:
      'A queued signal left unacknowledged this long (its worker crashed or hung) is taken over by another worker, in milliseconds. Keep it above FLIPTURN_INVESTIGATION_DEADLINE_MS.',
    example: '300000',
  },
  QUEUE_MAX_LENGTH: {
    group: 'redis',
    description:
      'Most entries the signal stream keeps (XADD MAXLEN ~): past it the oldest entries are trimmed, read or not. Size it above the largest backlog you expect (peak alerts per second x the longest time no worker reads); each entry takes about 1.5 KB of Redis memory.',
    example: '100000',
  },
  QUEUE_REPLICA_ACKS: {
    group: 'redis',
    description:
      'Replicas that must confirm each accepted signal (Redis WAIT, up to 1 s) before the gate answers 2xx; otherwise it answers 503 and the sender retries. 0: the master alone. With replicas (Redis Cluster, or a replicated Redis behind failover), 1 keeps every accepted alert through the loss of a master.',
    example: '1',
  },
  MAX_DELIVERIES: {
    group: 'redis',
    description:
      'Deliveries of one signal before it is moved to the dead-letter stream with the reason (poison messages).',
    example: '5',
  },
  SHUTDOWN_GRACE_MS: {
    group: 'service',
    description:
      'On SIGTERM/SIGINT, how long in-flight work may finish before it is aborted and left for another worker, in milliseconds.',
    example: '20000',
  },
  REFIRE_WINDOW_MS: {
    group: 'service',
    description:
      'An alert that fires again less than this after the previous alert of the same monitor and group recovered is investigated again and answered as "fired again", with what changed or that the same cause still holds (a webhook alert then answers in the previous thread), in milliseconds.',
    example: '1800000',
  },
  INCIDENT_WAIT_MS: {
    group: 'service',
    description:
      'How long a Recovered alert or a follow-up waits while another worker investigates its incident or thread (the cross-worker incident lease) before it is left pending for a later reclaim, in milliseconds.',
    example: '60000',
  },
  SLACK_SIGNING_SECRET: {
    group: 'slack',
    secret: true,
    description: 'Slack app signing secret: verifies X-Slack-Signature on every Events API request.',
  },
  SLACK_BOT_TOKEN: {
    group: 'slack',
    secret: true,
    description: 'Slack bot token (xoxb-...) used to post and update thread replies.',
  },
  SLACK_APP_TOKEN: {
    group: 'slack',
    secret: true,
    description:
      'Slack app-level token (xapp-..., scope connections:write). Set: events and button clicks also arrive over Socket Mode (no public endpoint needed; serve and start roles).',
  },
  SLACK_API_URL: {
    group: 'slack',
    description: 'Base URL of the Slack Web API. Default https://slack.com/api/; set it to a local stand-in for tests.',
    example: 'https://slack.com/api/',
  },
  SLACK_DEFAULT_CHANNEL: {
    group: 'slack',
    description:
      'Channel ID for replies to alerts that did not arrive through Slack (Datadog or Alertmanager webhooks).',
    example: 'C0123456789',
  },
  GATE_REQUEST_TIMEOUT_MS: {
    group: 'ingress',
    description:
      'Most time a client may take to send one whole request (headers within 5 s of it), in milliseconds; a slower client is disconnected.',
    example: '10000',
  },
  GATE_KEEP_ALIVE_TIMEOUT_MS: {
    group: 'ingress',
    description:
      'How long an idle keep-alive connection to the gate stays open between requests, in milliseconds. Keep it above the idle timeout of the load balancer in front (60 s on most).',
    example: '65000',
  },
  DATADOG_WEBHOOK_TOKEN: {
    group: 'ingress',
    secret: true,
    description: 'Shared token Datadog sends in the X-Flipturn-Token header of its webhook.',
  },
  ALERTMANAGER_WEBHOOK_TOKEN: {
    group: 'ingress',
    secret: true,
    description: 'Bearer token Alertmanager sends in the Authorization header of its webhook.',
  },
  DD_API_KEY: {
    group: 'datadog',
    secret: true,
    description: 'Datadog API key: enables the Datadog provider (with DD_APP_KEY).',
  },
  DD_APP_KEY: {
    group: 'datadog',
    secret: true,
    description: 'Datadog application key (read scopes for APM spans, logs, metrics).',
  },
  DD_SITE: {
    group: 'datadog',
    description: 'Datadog site, for example datadoghq.com or datadoghq.eu.',
    example: 'datadoghq.com',
  },
  DD_API_URL: { group: 'datadog', description: 'Override of the Datadog API base URL (tests and proxies).' },
  DD_SERVICE_MAP_ENV: {
    group: 'datadog',
    description:
      'APM environment(s) whose service map (the service dependencies API) investigations read, comma-separated: one request per environment, their edges merged. Unset: no service map from Datadog (the API needs an environment).',
    example: 'prod',
  },
  SENTRY_AUTH_TOKEN: {
    group: 'sentry',
    secret: true,
    description: 'Sentry auth token (bearer) with event:read and project:read: enables the Sentry provider.',
  },
  SENTRY_ORG: { group: 'sentry', description: 'Sentry organization slug.' },
  SENTRY_PROJECTS: {
    group: 'sentry',
    description: 'Comma-separated Sentry project slugs or ids to search. Unset: every project the token can read.',
    example: 'checkout,search',
  },
  SENTRY_API_URL: {
    group: 'sentry',
    description: 'Sentry base URL. Default https://sentry.io/.',
    example: 'https://sentry.io/',
  },
  LOKI_URL: {
    group: 'grafana',
    description: 'Grafana Loki base URL: enables the Loki logs provider.',
    example: 'http://127.0.0.1:3100',
  },
  TEMPO_URL: {
    group: 'grafana',
    description: 'Grafana Tempo base URL: enables the Tempo traces provider.',
    example: 'http://127.0.0.1:3200',
  },
  PROMETHEUS_URL: {
    group: 'grafana',
    description: 'Prometheus base URL: enables the Prometheus metrics provider.',
    example: 'http://127.0.0.1:9090',
  },
  GRAFANA_URL: {
    group: 'grafana',
    description:
      'Grafana base URL: evidence from Loki, Tempo and Prometheus links to Grafana Explore. Unset: links point at the API URL of the query.',
    example: 'https://grafana.example.com',
  },
  GRAFANA_DATASOURCES: {
    group: 'grafana',
    description:
      'Grafana datasource uids for Explore links, as loki=<uid>,tempo=<uid>,prometheus=<uid>. Unset entries use the type name as uid.',
    example: 'loki=P8E80F9AEF21F6940,prometheus=PBFA97CFB590B2093',
  },
  LOKI_TENANT: {
    group: 'grafana',
    description: 'Loki tenant sent as X-Scope-OrgID (multi-tenant Loki). Unset: no header.',
    example: 'team-a',
  },
  LOKI_PARSER: {
    group: 'grafana',
    description:
      'Parser stage added to LogQL queries: none, json or logfmt (extracts level and trace_id from the line).',
    example: 'json',
  },
  LOKI_SERVICE_LABELS: {
    group: 'grafana',
    description:
      'Loki labels naming the service, comma-separated: the first is used in the stream selector, all are read back.',
    example: 'service_name,service',
  },
  LOKI_ENV_LABELS: {
    group: 'grafana',
    description:
      'Loki labels naming the environment, comma-separated: the first is used in the stream selector, all are read back.',
    example: 'env,deployment_environment',
  },
  LOKI_LEVEL_LABEL: {
    group: 'grafana',
    description: 'Loki label or structured-metadata field carrying the severity (Loki 3 sets detected_level).',
    example: 'detected_level',
  },
  LOKI_TRACE_ID_FILTER: {
    group: 'grafana',
    description:
      'How LogQL finds a trace id: metadata (structured metadata / parsed label trace_id) or line (substring of the log line).',
    example: 'metadata',
  },
  TEMPO_TENANT: {
    group: 'grafana',
    description: 'Tempo tenant sent as X-Scope-OrgID (multi-tenant Tempo). Unset: no header.',
    example: 'team-a',
  },
  TEMPO_SEARCH_TRACE_FETCH_LIMIT: {
    group: 'grafana',
    description:
      'Most traces one Tempo span-sample search (the cohorts of an investigation) fetches whole by id: such a search costs 1 search request plus up to this many trace-by-id requests. 0 reads search span sets only (no parent ids, kinds or events: no critical-path attribution below the entry service).',
    example: '50',
  },
  PROMETHEUS_SERVICE_LABELS: {
    group: 'grafana',
    description:
      'Prometheus labels that name a service, in priority order (queries try them in this order with PromQL `or`; results read the first present).',
    example: 'service,service_name,job,app,app_kubernetes_io_name,container,namespace',
  },
  PROMETHEUS_FAMILIES: {
    group: 'grafana',
    description:
      'JSON overriding the metric behind each family, e.g. {"latency":{"metric":"http_request_duration_seconds","type":"histogram"},"errors":{"metric":"http_requests_total","type":"counter","matchers":"code=~\\"5..\\""}}.',
    example: '{"cpu":{"metric":"process_cpu_seconds_total","type":"counter"}}',
  },
  OTLP_DIR: {
    group: 'otlp',
    description: 'Folder of OTLP/JSON files (traces/logs/metrics .jsonl[.gz]): enables the otlp-file provider.',
  },
  OPENAI_API_KEY: {
    group: 'llm',
    secret: true,
    description: 'API key of an OpenAI-compatible endpoint. Unset: the deterministic narrator writes replies.',
  },
  OPENAI_BASE_URL: {
    group: 'llm',
    description: 'Base URL of an OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, LiteLLM).',
    example: 'https://api.openai.com/v1',
  },
  OPENAI_MODEL: { group: 'llm', description: 'Chat model name.', example: 'gpt-4o-mini' },
  OPENAI_TIMEOUT_MS: {
    group: 'llm',
    description:
      'Timeout of one chat-model call, in milliseconds. A reply whose model calls fail falls back to the deterministic narrator.',
    example: '30000',
  },
  OPENAI_MAX_RETRIES: {
    group: 'llm',
    description:
      'Retries of one chat-model call on 429 and 5xx answers and timeouts (exponential backoff, Retry-After honoured).',
    example: '2',
  },
  OPENAI_MAX_TOKENS: { group: 'llm', description: 'Most tokens the model may generate in one call.', example: '1200' },
  OPENAI_JSON_MODE: {
    group: 'llm',
    description:
      'Ask the endpoint for JSON output (response_format json_object). Set false for endpoints that reject it; the reply is parsed defensively either way.',
    example: 'true',
  },
  AGENT_MAX_MODEL_CALLS: {
    group: 'llm',
    description: 'Most chat-model calls for one reply or follow-up answer (draft, tool rounds, repair).',
    example: '6',
  },
  AGENT_MAX_TOOL_CALLS: {
    group: 'llm',
    description:
      'Most evidence tool calls (fetch_logs, fetch_traces, ...) the model may make for one reply; each provider call also counts against the API budget.',
    example: '4',
  },
  AGENT_MAX_TOOL_ROWS: {
    group: 'llm',
    description: 'Most rows one evidence tool call may fetch from one provider for the model.',
    example: '100',
  },
  SCRUB_IP_ADDRESSES: {
    group: 'llm',
    description:
      'Also redact IP addresses from text sent to the model (secrets, tokens, e-mail addresses and card numbers always are).',
    example: 'false',
  },
  SENTRY_DSN: {
    group: 'self',
    secret: true,
    description: "DSN for Flipturn's own error reporting with @sentry/node. Unset: off.",
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    group: 'self',
    description:
      "OTLP base URL for Flipturn's own traces (HTTP: /v1/traces is appended). Setting it, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER turns self-tracing on; none set: off. The OTEL_* settings are read by the OpenTelemetry SDK itself (standard semantics); they are listed and checked here.",
    example: 'http://127.0.0.1:4318',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    group: 'self',
    description: 'OTLP URL for traces, used as is (no path appended); overrides OTEL_EXPORTER_OTLP_ENDPOINT.',
    example: 'http://127.0.0.1:4318/v1/traces',
  },
  OTEL_EXPORTER_OTLP_HEADERS: {
    group: 'self',
    secret: true,
    description:
      'Headers sent with every OTLP export, as key=value pairs, comma-separated (e.g. an API key header of a tracing vendor).',
  },
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: {
    group: 'self',
    secret: true,
    description: 'Headers for trace exports only, as key=value pairs; merged over OTEL_EXPORTER_OTLP_HEADERS.',
  },
  OTEL_EXPORTER_OTLP_PROTOCOL: {
    group: 'self',
    description: 'OTLP transport: http/protobuf (default), http/json or grpc.',
    example: 'http/protobuf',
  },
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: {
    group: 'self',
    description: 'OTLP transport for traces only; overrides OTEL_EXPORTER_OTLP_PROTOCOL.',
    example: 'http/json',
  },
  OTEL_TRACES_EXPORTER: {
    group: 'self',
    description:
      'Span exporters, comma-separated: otlp (the default once an endpoint is set), console, zipkin, or none (self-tracing off).',
    example: 'otlp',
  },
  OTEL_SERVICE_NAME: {
    group: 'self',
    description:
      "service.name of Flipturn's own spans. Unset: flipturn (the process's role is the flipturn.role resource attribute: serve, worker or start).",
    example: 'flipturn-worker',
  },
  OTEL_RESOURCE_ATTRIBUTES: {
    group: 'self',
    description:
      "More resource attributes of Flipturn's own spans, as key=value pairs, comma-separated (values percent-encoded).",
    example: 'deployment.environment.name=prod,service.namespace=sre',
  },
  OTEL_TRACES_SAMPLER: {
    group: 'self',
    description:
      'Sampler: parentbased_always_on (default), parentbased_traceidratio, parentbased_always_off, always_on, always_off or traceidratio.',
    example: 'parentbased_traceidratio',
  },
  OTEL_TRACES_SAMPLER_ARG: {
    group: 'self',
    description: 'Sampling ratio of the traceidratio samplers, 0 to 1. Default 1.',
    example: '0.25',
  },
  OTEL_SDK_DISABLED: {
    group: 'self',
    description: "true turns Flipturn's own OpenTelemetry SDK off whatever else is set.",
    example: 'false',
  },
  FLIPTURN_PROVIDER_CALL_BUDGET: {
    group: 'analysis',
    description: 'Most provider calls one investigation may make.',
    example: '12',
  },
  FLIPTURN_PROVIDER_ROW_BUDGET: {
    group: 'analysis',
    description: 'Most rows (spans, log lines, points, issues) one provider call may return.',
    example: '5000',
  },
  FLIPTURN_PROVIDER_TIMEOUT_MS: {
    group: 'analysis',
    description: 'Timeout of one provider call, in milliseconds.',
    example: '10000',
  },
  FLIPTURN_INVESTIGATION_DEADLINE_MS: {
    group: 'analysis',
    description: 'Deadline of one whole investigation, in milliseconds.',
    example: '60000',
  },
} as const satisfies Record<string, SettingMeta>;

export type SettingName = keyof typeof SETTINGS;

export const SECRET_SETTINGS: readonly SettingName[] = (Object.keys(SETTINGS) as SettingName[]).filter(
  (k) => (SETTINGS[k] as SettingMeta).secret === true,
);

const configSchemaBase = z.object({
  PORT: intIn(1, 65535, 3000),
  HOST: z.preprocess(emptyToUndefined, z.string().min(1).default('127.0.0.1')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  REDIS_URL: optionalSecret().superRefine((v, ctx) => {
    const r = v === undefined || v.trim() === '' ? undefined : parseRedisUrl(v);
    if (r && !r.ok) ctx.addIssue({ code: 'custom', message: r.message });
  }),
  FLIPTURN_ALLOW_VOLATILE_QUEUE: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
  ),
  MEMORY_TTL_SECONDS: intIn(60, 31_536_000, 1_209_600),
  WORKER_CONCURRENCY: intIn(1, 256, 4),
  RECLAIM_IDLE_MS: intIn(500, 86_400_000, 300_000),
  QUEUE_MAX_LENGTH: intIn(1000, 1_000_000_000, 100_000),
  QUEUE_REPLICA_ACKS: intIn(0, 16, 0),
  MAX_DELIVERIES: intIn(1, 100, 5),
  SHUTDOWN_GRACE_MS: intIn(0, 600_000, 20_000),
  INCIDENT_WAIT_MS: intIn(0, 3_600_000, 60_000),
  REFIRE_WINDOW_MS: intIn(0, 86_400_000, 1_800_000),
  SLACK_SIGNING_SECRET: optionalSecret(8),
  SLACK_BOT_TOKEN: optionalSecret(8),
  SLACK_APP_TOKEN: optionalSecret(8),
  SLACK_API_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => isUrl(v, ['http:', 'https:']), 'must be an http(s) URL')
      .default('https://slack.com/api/'),
  ),
  SLACK_DEFAULT_CHANNEL: optionalString(),
  GATE_REQUEST_TIMEOUT_MS: intIn(1000, 300_000, 10_000),
  GATE_KEEP_ALIVE_TIMEOUT_MS: intIn(1000, 600_000, 65_000),
  DATADOG_WEBHOOK_TOKEN: optionalSecret(16),
  ALERTMANAGER_WEBHOOK_TOKEN: optionalSecret(16),
  DD_API_KEY: optionalSecret(),
  DD_APP_KEY: optionalSecret(),
  DD_SITE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-z0-9.-]+$/, 'must be a Datadog site such as datadoghq.com')
      .default('datadoghq.com'),
  ),
  DD_API_URL: optionalUrl(),
  DD_SERVICE_MAP_ENV: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$/, 'must be comma-separated APM environment names')
      .optional(),
  ),
  SENTRY_AUTH_TOKEN: optionalSecret(),
  SENTRY_ORG: optionalString(),
  SENTRY_PROJECTS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*[\w.-]+(\s*,\s*[\w.-]+)*\s*$/, 'must be comma-separated project slugs or ids')
      .transform((v) => v.split(',').map((p) => p.trim()))
      .optional(),
  ),
  SENTRY_API_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => isUrl(v, ['http:', 'https:']), 'must be an http(s) URL')
      .default('https://sentry.io/'),
  ),
  LOKI_URL: optionalUrl(),
  TEMPO_URL: optionalUrl(),
  PROMETHEUS_URL: optionalUrl(),
  GRAFANA_URL: optionalUrl(),
  GRAFANA_DATASOURCES: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(
        /^(loki|tempo|prometheus)=[^,=\s]+(,(loki|tempo|prometheus)=[^,=\s]+)*$/,
        'must be loki=<uid>,tempo=<uid>,prometheus=<uid>',
      )
      .optional(),
  ),
  LOKI_TENANT: optionalString(),
  LOKI_PARSER: z.preprocess(emptyToUndefined, z.enum(['none', 'json', 'logfmt']).default('none')),
  LOKI_SERVICE_LABELS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-zA-Z_]\w*(,[a-zA-Z_]\w*)*$/, 'must be comma-separated label names')
      .default('service_name,service'),
  ),
  LOKI_ENV_LABELS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-zA-Z_]\w*(,[a-zA-Z_]\w*)*$/, 'must be comma-separated label names')
      .default('env,deployment_environment'),
  ),
  LOKI_LEVEL_LABEL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-zA-Z_]\w*$/, 'must be a label name')
      .default('detected_level'),
  ),
  LOKI_TRACE_ID_FILTER: z.preprocess(emptyToUndefined, z.enum(['metadata', 'line']).default('metadata')),
  TEMPO_TENANT: optionalString(),
  TEMPO_SEARCH_TRACE_FETCH_LIMIT: intIn(0, 1000, 50),
  PROMETHEUS_SERVICE_LABELS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-zA-Z_]\w*(,[a-zA-Z_]\w*)*$/, 'must be comma-separated label names')
      .default('service,service_name,job,app,app_kubernetes_io_name,container,namespace'),
  ),
  PROMETHEUS_FAMILIES: z.preprocess(
    emptyToUndefined,
    z.string().refine(isJsonObject, 'must be a JSON object (family -> {metric, type, matchers?})').optional(),
  ),
  OTLP_DIR: optionalString(),
  OPENAI_API_KEY: optionalSecret(),
  OPENAI_BASE_URL: optionalUrl(),
  OPENAI_MODEL: optionalString(),
  OPENAI_TIMEOUT_MS: intIn(100, 600_000, 30_000),
  OPENAI_MAX_RETRIES: intIn(0, 10, 2),
  OPENAI_MAX_TOKENS: intIn(16, 100_000, 1200),
  OPENAI_JSON_MODE: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0'])
      .default('true')
      .transform((v) => v === 'true' || v === '1'),
  ),
  AGENT_MAX_MODEL_CALLS: intIn(1, 50, 6),
  AGENT_MAX_TOOL_CALLS: intIn(0, 50, 4),
  AGENT_MAX_TOOL_ROWS: intIn(1, 5000, 100),
  SCRUB_IP_ADDRESSES: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
  ),
  SENTRY_DSN: optionalSecret().refine(
    (v) => v === undefined || v.trim() === '' || isUrl(v, ['http:', 'https:']),
    'must be a Sentry DSN URL',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(),
  OTEL_EXPORTER_OTLP_HEADERS: optionalSecret().refine(
    (v) => v === undefined || isKeyValueList(v),
    'must be key=value pairs, comma-separated',
  ),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optionalSecret().refine(
    (v) => v === undefined || isKeyValueList(v),
    'must be key=value pairs, comma-separated',
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(emptyToUndefined, z.enum(OTLP_PROTOCOLS).optional()),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.preprocess(emptyToUndefined, z.enum(OTLP_PROTOCOLS).optional()),
  OTEL_TRACES_EXPORTER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (v) => v.split(',').every((e) => TRACES_EXPORTERS.includes(e.trim())),
        `must be a comma-separated list of ${TRACES_EXPORTERS.join(', ')}`,
      )
      .optional(),
  ),
  OTEL_SERVICE_NAME: optionalString(),
  OTEL_RESOURCE_ATTRIBUTES: z.preprocess(
    emptyToUndefined,
    z.string().refine(isKeyValueList, 'must be key=value pairs, comma-separated').optional(),
  ),
  OTEL_TRACES_SAMPLER: z.preprocess(emptyToUndefined, z.enum(TRACES_SAMPLERS).optional()),
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(
    emptyToUndefined,
    z.coerce.number(ratio).min(0, ratio).max(1, ratio).optional(),
  ),
  OTEL_SDK_DISABLED: z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toLowerCase()) : v),
    z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  ),
  FLIPTURN_PROVIDER_CALL_BUDGET: intIn(1, 1000, 12),
  FLIPTURN_PROVIDER_ROW_BUDGET: intIn(1, 1_000_000, 5000),
  FLIPTURN_PROVIDER_TIMEOUT_MS: intIn(100, 600_000, 10_000),
  FLIPTURN_INVESTIGATION_DEADLINE_MS: intIn(1000, 3_600_000, 60_000),
});

export const configSchema = configSchemaBase.superRefine((c, ctx) =>
  checkDependencies(c, (variable, message) => ctx.addIssue({ code: 'custom', path: [variable], message })),
);

type ParsedConfig = z.output<typeof configSchemaBase>;

/**
 * Settings that only work together. Checked when the configuration is parsed, so `flipturn config check` and every
 * start-up fail the same way, naming the variable that is missing. (Trade-offs that are legal but risky are warnings:
 * ./load.ts configWarnings.)
 */
export function checkDependencies(c: ParsedConfig, problem: (variable: SettingName, message: string) => void): void {
  const requires = (a: SettingName, b: SettingName, why: string) => {
    if (c[a] !== undefined && c[b] === undefined) problem(b, `is required when ${a} is set (${why})`);
  };
  requires('DD_API_KEY', 'DD_APP_KEY', 'Datadog read APIs need both keys');
  requires('DD_APP_KEY', 'DD_API_KEY', 'Datadog read APIs need both keys');
  requires('SENTRY_AUTH_TOKEN', 'SENTRY_ORG', 'issues are listed per organization');
  requires('SENTRY_PROJECTS', 'SENTRY_AUTH_TOKEN', 'the Sentry provider is enabled by its token');
  requires('OPENAI_BASE_URL', 'OPENAI_MODEL', 'the endpoint needs a model name');
  // Alerts that do not come through Slack are answered in a new thread of this channel: without it they would be
  // accepted with 200 and then dead-lettered.
  requires('DATADOG_WEBHOOK_TOKEN', 'SLACK_DEFAULT_CHANNEL', 'Datadog webhook alerts are answered in that channel');
  requires('ALERTMANAGER_WEBHOOK_TOKEN', 'SLACK_DEFAULT_CHANNEL', 'Alertmanager alerts are answered in that channel');
  requires('LOKI_TENANT', 'LOKI_URL', 'the tenant is sent to that Loki');
  requires('TEMPO_TENANT', 'TEMPO_URL', 'the tenant is sent to that Tempo');
  requires('PROMETHEUS_FAMILIES', 'PROMETHEUS_URL', 'the families are queried in that Prometheus');
  requires('GRAFANA_DATASOURCES', 'GRAFANA_URL', 'the uids build links into that Grafana');
  if (c.FLIPTURN_PROVIDER_TIMEOUT_MS > c.FLIPTURN_INVESTIGATION_DEADLINE_MS) {
    problem(
      'FLIPTURN_PROVIDER_TIMEOUT_MS',
      `must not exceed FLIPTURN_INVESTIGATION_DEADLINE_MS (${c.FLIPTURN_INVESTIGATION_DEADLINE_MS}): one call could outlive the investigation`,
    );
  }
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<z.output<typeof configSchema>>;
