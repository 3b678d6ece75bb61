/**
 * The APM service map (GET /api/v1/service_dependencies) -> caller -> callee pairs (pure). The answer is an object
 * keyed by service, each `{ "calls": ["<callee>", ...] }` (Datadog's API reference, public beta); a service that
 * calls nothing has an empty list. Anything else throws ServiceMapShapeError (the provider answers failed/malformed).
 */
export class ServiceMapShapeError extends Error {}

export function serviceDependencyPairs(body: unknown): Array<[string, string]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ServiceMapShapeError('the answer is not an object keyed by service');
  const pairs: Array<[string, string]> = [];
  for (const [service, deps] of Object.entries(body as Record<string, unknown>)) {
    const calls = typeof deps === 'object' && deps !== null ? (deps as { calls?: unknown }).calls : undefined;
    if (!Array.isArray(calls))
      throw new ServiceMapShapeError(`service ${JSON.stringify(service.slice(0, 80))} has no calls list`);
    for (const callee of calls) if (typeof callee === 'string') pairs.push([service, callee]);
  }
  return pairs;
}
