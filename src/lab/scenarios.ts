/**
 * The lab's scenario catalog. Each entry's `expected` is the truth of the injected fault's mechanics (which
 * service's behaviour changed, through which services the failure travelled, where time piled up, where the
 * monitor fired), fixed when the scenario was designed and never tuned to an analyzer's output.
 */
import type { ScenarioDefinition } from './definition.js';
import { SHOP_SCENARIOS } from './scenarios-shop.js';
import { MARKET_SCENARIOS } from './scenarios-market.js';

export const LAB_SCENARIOS: readonly ScenarioDefinition[] = [...SHOP_SCENARIOS, ...MARKET_SCENARIOS].sort((a, b) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
);

export function findScenario(name: string): ScenarioDefinition | undefined {
  return LAB_SCENARIOS.find((s) => s.name === name);
}
