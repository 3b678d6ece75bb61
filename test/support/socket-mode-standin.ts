/**
 * A local Socket Mode stand-in: a WebSocket server (ws) on 127.0.0.1 speaking Slack's Socket Mode protocol to a
 * client that got its URL from apps.connections.open (the Slack stand-in answers it: useSocketMode(url)).
 *   on connect:  {"type":"hello","num_connections":1,"connection_info":{"app_id":...},"debug_info":{...}}
 *   envelope:    {"envelope_id","type":"events_api"|"interactive","payload",...,"accepts_response_payload",
 *                 "retry_attempt","retry_reason"}
 *   ack:         {"envelope_id", "payload"?} sent back by the client; send() resolves with it.
 * An envelope not acknowledged within `ackTimeoutMs` rejects (Slack would redeliver it, retry_attempt + 1).
 */
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketModeAck {
  readonly envelope_id: string;
  readonly payload?: unknown;
}

export interface SocketModeStandin {
  /** ws://127.0.0.1:<port>/link : give it to the Slack stand-in's useSocketMode(). */
  readonly url: string;
  /** Resolves once a client has connected (and was said hello to). */
  connected(timeoutMs?: number): Promise<void>;
  /** Sends one envelope to the connected client; resolves with its ack. */
  send(
    type: 'events_api' | 'interactive',
    payload: unknown,
    o?: { envelopeId?: string; retryAttempt?: number; retryReason?: string; ackTimeoutMs?: number },
  ): Promise<SocketModeAck>;
  /** Every ack received, in order. */
  readonly acks: readonly SocketModeAck[];
  stop(): Promise<void>;
}

export async function startSocketModeStandin(o: { appId?: string } = {}): Promise<SocketModeStandin> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link' });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const addr = wss.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const acks: SocketModeAck[] = [];
  const waiting = new Map<string, (ack: SocketModeAck) => void>();
  let client: WebSocket | undefined;
  const onConnect: Array<() => void> = [];
  wss.on('connection', (ws) => {
    client = ws;
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'standin', approximate_connection_time: 18060 },
        connection_info: { app_id: o.appId ?? 'A0FLIPTURN' },
      }),
    );
    ws.on('message', (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse((data as Buffer).toString('utf8')) as unknown;
      } catch {
        return;
      }
      const id = typeof msg === 'object' && msg !== null ? (msg as { envelope_id?: unknown }).envelope_id : undefined;
      if (typeof id !== 'string') return;
      const ack = msg as SocketModeAck;
      acks.push(ack);
      waiting.get(id)?.(ack);
      waiting.delete(id);
    });
    for (const f of onConnect.splice(0)) f();
  });
  return {
    url: `ws://127.0.0.1:${port}/link`,
    acks,
    connected: (timeoutMs = 60_000) =>
      client
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('no Socket Mode client connected')), timeoutMs);
            onConnect.push(() => (clearTimeout(t), resolve()));
          }),
    send(type, payload, so = {}) {
      const ws = client;
      if (!ws) return Promise.reject(new Error('no Socket Mode client connected'));
      const envelopeId = so.envelopeId ?? randomUUID();
      const envelope = {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type === 'interactive',
        retry_attempt: so.retryAttempt ?? 0,
        retry_reason: so.retryReason ?? '',
      };
      return new Promise<SocketModeAck>((resolve, reject) => {
        const t = setTimeout(
          () => (waiting.delete(envelopeId), reject(new Error(`envelope ${envelopeId} was not acknowledged`))),
          so.ackTimeoutMs ?? 60_000,
        );
        waiting.set(envelopeId, (ack) => (clearTimeout(t), resolve(ack)));
        ws.send(JSON.stringify(envelope));
      });
    },
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
