/**
 * One-line wiring for composition roots: the agent's dependencies from the frozen Config. `agentFromConfig` gives
 * `model: undefined` when no model is configured, so explain/answerWithModel return the deterministic narrator and
 * follow-up answers unchanged. (The demo's model switch lives with the stand-ins: src/lab/standins/demo-model.ts.)
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AgentDeps } from './explain.js';
import { limitsFromConfig, modelFromConfig } from './model.js';

export function agentFromConfig(
  config: Config,
  o: {
    readonly clock: Clock;
    readonly registry?: ProviderRegistry;
    readonly logger?: Logger;
    readonly knownSecrets?: (text: string) => string;
  },
): AgentDeps {
  const model = modelFromConfig(config);
  return {
    clock: o.clock,
    limits: limitsFromConfig(config),
    ...(model ? { model } : {}),
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.knownSecrets ? { knownSecrets: o.knownSecrets } : {}),
  };
}
