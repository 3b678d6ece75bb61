/**
 * The HttpClient of a Grafana-stack backend (Loki, Tempo, Prometheus): credentials taken out of the URL into a
 * Basic Authorization header, JSON accepted, and the tenant header (X-Scope-OrgID) when a tenant is configured.
 */
import { HttpClient } from './client.js';
import { httpClientDeps, type HttpClientDeps } from './deps.js';

export interface GrafanaBackendSettings {
  readonly url: string;
  readonly tenant?: string;
  readonly timeoutMs: number;
}

export function grafanaHttpClient(provider: string, s: GrafanaBackendSettings, deps: HttpClientDeps): HttpClient {
  const { baseUrl, headers } = splitCredentials(s.url);
  return new HttpClient({
    provider,
    baseUrl,
    headers: { accept: 'application/json', ...headers, ...(s.tenant ? { 'X-Scope-OrgID': s.tenant } : {}) },
    timeoutMs: s.timeoutMs,
    ...httpClientDeps(deps),
  });
}

/**
 * fetch refuses URLs with user-info, so `https://user:token@logs.example.net` (Grafana Cloud style) becomes a
 * plain base URL plus a Basic Authorization header.
 */
function splitCredentials(url: string): { baseUrl: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { baseUrl: url, headers: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { baseUrl: u.toString(), headers: { authorization: `Basic ${basic}` } };
}
