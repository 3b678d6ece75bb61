/** Reads the copied Datadog recordings (test/fixtures/datadog) for tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CassetteEntry {
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly body: unknown;
  };
  readonly response: { readonly status: number; readonly headers: Record<string, string>; readonly body: unknown };
}

export interface Cassette {
  readonly recordingName: string;
  readonly frozenTime: string;
  readonly entries: readonly CassetteEntry[];
}

const DIR = fileURLToPath(new URL('../../../fixtures/datadog/', import.meta.url));

export const CASSETTES = {
  spansPaged: 'v2__Spans_3419372246__Search-spans-returns-OK-response-with-pagination_1510282302.json',
  spans: 'v2__Spans_3419372246__Search-spans-returns-OK-response_961822578.json',
  spans422: 'v2__Spans_3419372246__Search-spans-returns-Unprocessable-Entity-response_2995962801.json',
  logsPaged: 'v2__Logs_1370058150__Search-logs-returns-OK-response-with-pagination_2666035826.json',
  logsEmpty: 'v2__Logs_1370058150__Search-logs-returns-OK-response_3514533342.json',
  metricsV1: 'v1__Metrics_2046978582__Query-timeseries-points-returns-OK-response_1049433794.json',
  timeseries: 'v2__Metrics_2046978582__Timeseries-cross-product-query-returns-OK-response_1643865340.json',
  timeseries400: 'v2__Metrics_2046978582__Timeseries-cross-product-query-returns-Bad-Request-response_2888179510.json',
  timeseriesSpansEmpty:
    'v2__Metrics_2046978582__Timeseries-cross-product-query-with-spans-data-source-returns-OK-response_1132781428.json',
} as const;

export function loadCassette(name: keyof typeof CASSETTES): Cassette {
  return JSON.parse(readFileSync(`${DIR}${CASSETTES[name]}`, 'utf8')) as Cassette;
}

/** The response body of entry `i` (0-based). */
export function responseBody(name: keyof typeof CASSETTES, i = 0): unknown {
  const e = loadCassette(name).entries[i];
  if (!e) throw new Error(`${name} has no entry ${i}`);
  return e.response.body;
}
