/** A lab scenario definition: the catalog entry `flipturn lab record` records. */
import type { LabAlertSource } from './alerts.js';
import type { LabScenarioInput } from './spec.js';

export interface ExpectedTruth {
  readonly rootCause?: { readonly service: string; readonly operation?: string };
  readonly propagation?: readonly string[];
  readonly bottleneck?: string | null;
  readonly symptom: string;
  readonly abstain: boolean;
}

export interface ScenarioDefinition {
  readonly name: string;
  /** Operator words: what was observed. Never names the cause. */
  readonly description: string;
  readonly faultType: string;
  readonly alertSource: LabAlertSource;
  /** The truth of the injected fault's mechanics. */
  readonly expected: ExpectedTruth;
  readonly lab: LabScenarioInput;
}
