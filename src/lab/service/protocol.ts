/** The parent <-> service process protocol: the child's configuration (environment) and IPC messages. */
import { z } from 'zod';
import { faultSchema, noiseSchema, serviceSchema, type ServiceFault } from '../spec.js';

export const childConfigSchema = z.object({
  service: serviceSchema,
  environment: z.string(),
  port: z.number().int(),
  ports: z.record(z.string(), z.number().int()),
  stores: z.record(z.string(), z.object({ name: z.string(), system: z.string() })),
  outDir: z.string(),
  runId: z.string().optional(),
  scenarioId: z.string().optional(),
  seed: z.number().int(),
  faults: z.array(faultSchema),
  noise: z.array(noiseSchema),
  skewMs: z.number().default(0),
  dropSpanRatio: z.number().default(0),
  logs: z.boolean(),
  metrics: z.boolean(),
  metricIntervalMs: z.number().int().default(5000),
});

export type ChildConfig = z.input<typeof childConfigSchema>;

export type ParentMessage = { type: 'faults'; faults: ServiceFault[] } | { type: 'shutdown' };
export type ChildMessage = { type: 'ready'; service: string; port: number } | { type: 'flushed' };
