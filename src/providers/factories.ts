/**
 * Every provider factory built into Flipturn, in the order the provider table lists them. Bootstrap
 * (./bootstrap.ts) runs them all; a factory whose settings are absent reports itself disabled with the reason.
 * Add a provider with one import line and one entry.
 */
import type { ProviderFactory } from './bootstrap.js';
import { datadogFactory } from './datadog/factory.js';
import { lokiFactory } from './loki/factory.js';
import { otlpFileFactory } from './otlp-file/factory.js';
import { prometheusFactory } from './prometheus/factory.js';
import { sentryFactory } from './sentry/factory.js';
import { tempoFactory } from './tempo/factory.js';

export const PROVIDER_FACTORIES: readonly ProviderFactory[] = Object.freeze([
  otlpFileFactory,
  tempoFactory,
  lokiFactory,
  prometheusFactory,
  datadogFactory,
  sentryFactory,
]);
