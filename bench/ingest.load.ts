/**
 * Load generator child of the ingest benchmark (its own process, so it never shares the server's event loop).
 * Sends distinct, correctly signed Slack events (a Datadog bot message with a unique ts and event_id each, so
 * idempotency keeps them all) from `concurrency` keep-alive connections for `durationMs`, after a warm-up.
 * argv: <port> <secret> <durationMs> <concurrency> <warmupMs>
 * Prints one JSON line: counts, ack latency percentiles, and the stream ids answered 2xx (for the loss check).
 */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Stream ids of every measured 2xx answer, with the idempotency key's message ts. */
  readonly acked: ReadonlyArray<readonly [id: string, ts: string]>;
  /** Requests answered 2xx during the warm-up (also to be found in the stream). */
  readonly warmupAcked: ReadonlyArray<readonly [id: string, ts: string]>;
}

export function eventBody(i: number, tsSec: number): { body: string; ts: string } {
  const ts = `${tsSec + Math.floor(i / 1_000_000)}.${String(i % 1_000_000).padStart(6, '0')}`;
  const title = `[Triggered on {env:prod,service:svc-${i % 50}}] svc-${i % 50} p99 latency is high`;
  const body = JSON.stringify({
    token: 'verification-token',
    team_id: 'T0BENCH01',
    api_app_id: 'A0BENCH01',
    event: {
      type: 'message',
      subtype: 'bot_message',
      text: '',
      ts,
      username: 'Datadog',
      bot_id: 'B0DATADOG',
      channel: 'C0ALERTS1',
      event_ts: ts,
      channel_type: 'channel',
      attachments: [
        {
          id: 1,
          color: 'd00000',
          fallback: `Triggered: ${title}`,
          title,
          title_link: `https://app.datadoghq.com/monitors/${100000 + (i % 50)}?group=env%3Aprod&event_id=${7000000000000000000n + BigInt(i)}`,
          text: `svc-${i % 50} p99 latency is above 1.5s for env:prod.\nExample failing request: trace_id:4bf92f3577b34da6a3ce929d0e0e${String(i % 10000).padStart(4, '0')}`,
          fields: [{ title: 'Tags', value: `env:prod, service:svc-${i % 50}`, short: false }],
          footer: 'Datadog',
          ts: tsSec,
        },
      ],
    },
    type: 'event_callback',
    event_id: `Ev0BENCH${i}`,
    event_time: tsSec,
  });
  return { body, ts };
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const [portS, secret, durS, concS, warmS] = process.argv.slice(2);
  if (!portS || !secret || !durS || !concS || !warmS) throw new Error('usage: ingest.load.ts <port> <secret> <durationMs> <concurrency> <warmupMs>');
  const port = Number(portS);
  const concurrency = Number(concS);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const tsSec = Math.floor(Date.now() / 1000);
  let next = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const acked: Array<[string, string]> = [];
  const warmupAcked: Array<[string, string]> = [];
  let errors = 0;
  let sent = 0;
  const send = (measured: boolean): Promise<void> =>
    new Promise((resolve) => {
      const { body, ts } = eventBody(next++, tsSec);
      const now = Math.floor(Date.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${now}:`).update(body).digest('hex')}`,
      };
      const t0 = performance.now();
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/webhooks/slack/events', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const code = res.statusCode ?? 0;
          if (measured) {
            sent += 1;
            statuses[code] = (statuses[code] ?? 0) + 1;
            latencies.push(ms);
          }
          if (code >= 200 && code < 300) {
            const ids = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ids?: string[] }).ids ?? [];
            for (const id of ids) (measured ? acked : warmupAcked).push([id, ts]);
          }
          resolve();
        });
      });
      req.on('error', () => {
        if (measured) errors += 1;
        resolve();
      });
      req.end(body);
    });
  const warmEnd = performance.now() + Number(warmS);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warmEnd) await send(false);
  }));
  const t0 = performance.now();
  const end = t0 + Number(durS);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) await send(true);
  }));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const ok = Object.entries(statuses).reduce((n, [k, v]) => (Number(k) >= 200 && Number(k) < 300 ? n + v : n), 0);
  const result: LoadResult = {
    sent,
    ok,
    statuses,
    errors,
    seconds,
    p50Ms: pct(latencies, 50),
    p90Ms: pct(latencies, 90),
    p99Ms: pct(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? NaN,
    acked,
    warmupAcked,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1]?.endsWith('ingest.load.ts')) await main();
