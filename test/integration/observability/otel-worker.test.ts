/**
 * Issue 15's Done-when line: `OTEL_SERVICE_NAME=flipturn-worker` shows in the exported spans of a worker. A gate
 * (`flipturn serve`) and a worker (`flipturn worker`) run as child processes on a private Redis, configured only
 * by the standard OTEL_* variables (read by the OpenTelemetry SDK), exporting OTLP/JSON over HTTP to a local
 * receiver on 127.0.0.1. One Slack alert goes through both: the receiver sees the worker's spans under its service
 * name and resource attributes, the gate's under its own, one trace across the queue, and the official
 * instrumentations' spans (HTTP, Fastify, ioredis) inside it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import {
  ALERT_SEC,
  CHANNEL,
  killAll,
  post,
  serviceEnv,
  slackAlertEvent,
  slackHeaders,
  spawnFlipturn,
  until,
  type Child,
} from '../service/harness.js';

const skip = skipRedisTests();
const VERSION = (
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string }
).version;

describe.skipIf(skip)(
  'self-tracing of a worker and a gate from the standard OTEL_* variables (child processes)',
  () => {
    let redis: RedisServerHandle;
    let standin: SlackStandin;
    let receiver: OtlpReceiver;
    let gate: Child;
    let worker: Child;

    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      redis = await startRedisServer();
      standin = await startSlackStandin({ token: 'xoxb-otel-worker', teamId: 'T0OTEL', tsBase: ALERT_SEC });
      const base = serviceEnv({ redisUrl: redis.url, slackApiUrl: standin.apiUrl, token: standin.token });
      const otel = {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      };
      [gate, worker] = await Promise.all([
        spawnFlipturn('serve', { ...base, ...otel, OTEL_SERVICE_NAME: 'flipturn-gate' }),
        spawnFlipturn('worker', {
          ...base,
          ...otel,
          OTEL_SERVICE_NAME: 'flipturn-worker',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci,service.namespace=sre',
        }),
      ]);
    }, 300_000);

    afterAll(async () => {
      await killAll();
      await standin?.stop();
      await redis?.stop();
      await receiver?.stop();
    });

    it('exports the worker spans as flipturn-worker, the gate spans as flipturn-gate, one trace per alert', async () => {
      const root = standin.seed(CHANNEL, '[Triggered] High p99 latency on search (monitor 915000001)');
      const raw = slackAlertEvent({
        teamId: standin.teamId,
        ts: root.ts,
        monitorId: '915000001',
        eventId: '915000001',
      });
      expect((await post(gate.url, GATE_ROUTES.slack, raw, slackHeaders(raw))).status).toBe(200);
      await until(() => standin.thread(CHANNEL, root.ts).some((m) => m.ts !== root.ts), 'the answer in the thread');
      for (const c of [gate, worker])
        for (const probe of ['/healthz', '/readyz', '/metrics'])
          expect((await fetch(new URL(probe, c.url))).status, probe).toBe(200);
      // A graceful stop flushes the batch of each process.
      expect(await worker.kill('SIGTERM')).toBe(0);
      expect(await gate.kill('SIGTERM')).toBe(0);
      const of = (service: string) => receiver.spans.filter((s) => s.resource['service.name'] === service);
      await until(
        () =>
          of('flipturn-worker').some((s) => s.name === 'flipturn.worker.handle') &&
          of('flipturn-gate').some((s) => s.name === 'flipturn.gate.enqueue'),
        'spans of both processes',
      );
      expect(receiver.refused).toBe(0);
      expect(new Set(receiver.contentTypes.map((t) => t.split(';')[0]))).toEqual(new Set(['application/json']));

      const workerSpans = of('flipturn-worker');
      const gateSpans = of('flipturn-gate');
      expect(workerSpans.length + gateSpans.length).toBe(receiver.spans.length);
      for (const s of workerSpans) {
        expect(s.resource).toMatchObject({
          'flipturn.role': 'worker',
          'service.version': VERSION,
          'deployment.environment.name': 'ci',
          'service.namespace': 'sre',
        });
      }
      for (const s of gateSpans)
        expect(s.resource).toMatchObject({ 'flipturn.role': 'serve', 'service.version': VERSION });
      expect(gateSpans.some((s) => 'deployment.environment.name' in s.resource)).toBe(false);

      // One trace across the queue: the worker's handle span continues the gate's enqueue span.
      const one = (list: readonly ReceivedSpan[], name: string) => {
        const found = list.filter((s) => s.name === name);
        expect(found, name).toHaveLength(1);
        return found[0] as ReceivedSpan;
      };
      const enqueue = one(gateSpans, 'flipturn.gate.enqueue');
      const handle = one(workerSpans, 'flipturn.worker.handle');
      expect(handle.traceId).toBe(enqueue.traceId);
      expect(handle.parentSpanId).toBe(enqueue.spanId);
      const trace = receiver.spans.filter((s) => s.traceId === enqueue.traceId);
      for (const name of [
        'flipturn.investigate',
        'flipturn.correlate',
        'flipturn.prefetch',
        'flipturn.analyze',
        'flipturn.narrate',
        'flipturn.deliver',
        'flipturn.save',
        'flipturn.slack.post',
      ]) {
        expect(
          trace.filter((s) => s.resource['service.name'] === 'flipturn-worker').map((s) => s.name),
          name,
        ).toContain(name);
      }

      // The official instrumentations, inside the alert's trace: the gate's HTTP server and Fastify request spans
      // (the root), Redis commands in both processes (named by command only), the worker's Slack Web API calls (fetch, undici).
      const scopes = (list: readonly ReceivedSpan[]) => new Set(list.map((s) => s.scope));
      const gateTrace = trace.filter((s) => s.resource['service.name'] === 'flipturn-gate');
      expect([...scopes(gateTrace)]).toEqual(
        expect.arrayContaining([
          '@opentelemetry/instrumentation-http',
          '@fastify/otel',
          '@opentelemetry/instrumentation-ioredis',
          'flipturn',
        ]),
      );
      const server = gateTrace.find((s) => s.scope === '@opentelemetry/instrumentation-http');
      expect(server?.parentSpanId).toBe('');
      expect(server?.attributes['http.route'] ?? server?.attributes['url.path']).toBe(GATE_ROUTES.slack);
      const workerTrace = trace.filter((s) => s.resource['service.name'] === 'flipturn-worker');
      expect([...scopes(workerTrace)]).toEqual(
        expect.arrayContaining(['@opentelemetry/instrumentation-ioredis', '@opentelemetry/instrumentation-undici']),
      );
      for (const s of receiver.spans.filter((x) => x.scope === '@opentelemetry/instrumentation-ioredis')) {
        expect(s.attributes['db.query.text'] ?? s.attributes['db.statement']).toMatch(/^[a-zA-Z]+$/);
      }
      // Probes and scrapes (made above) and the worker's idle queue polls are not traced: the alert is the only trace.
      const path = (s: ReceivedSpan) =>
        s.attributes['url.path'] ?? s.attributes['http.route'] ?? s.attributes['http.target'] ?? '';
      expect(receiver.spans.filter((s) => /^\/(healthz|readyz|metrics)/.test(path(s)))).toEqual([]);
      expect(new Set(receiver.spans.map((s) => s.traceId)).size).toBe(1);
    }, 300_000);
  },
);
