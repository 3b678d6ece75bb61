/**
 * Filter semantics shared by every in-process provider (memory fake, otlp-file):
 * - service: exact match on the item's service.
 * - env: resource `deployment.environment.name`, then resource `deployment.environment`, then attribute `env`,
 *   then resource `env`; exact match. An item with no environment does not match an env filter.
 * - attribute filters look the key up in the item's own attributes first, then in its resource attributes
 *   (the first place that has the key wins). Values compare as display text (arrays joined by commas).
 *   eq: present and equal. neq: absent or different (as Datadog `-key:value` and PromQL `!=` behave).
 *   exists: present (null counts as absent). contains: present and the text contains the value (case-sensitive).
 */
import type { AttributeFilter } from '../queries.js';
import type { Attributes } from '../models.js';
import { attrString } from '../models.js';

const ENV_RESOURCE_KEYS = ['deployment.environment.name', 'deployment.environment'] as const;

export function envOf(attributes: Attributes, resource: Attributes): string | undefined {
  for (const k of ENV_RESOURCE_KEYS) {
    const v = attrString(resource, k);
    if (v !== undefined) return v;
  }
  return attrString(attributes, 'env') ?? attrString(resource, 'env');
}

function lookup(key: string, attributes: Attributes, resource: Attributes | undefined): string | undefined {
  const own = attrString(attributes, key);
  if (own !== undefined) return own;
  return resource ? attrString(resource, key) : undefined;
}

function matchFilter(f: AttributeFilter, attributes: Attributes, resource?: Attributes): boolean {
  const v = lookup(f.key, attributes, resource);
  switch (f.op) {
    case 'exists':
      return v !== undefined;
    case 'eq':
      return v !== undefined && v === f.value;
    case 'neq':
      return v === undefined || v !== f.value;
    case 'contains':
      return v !== undefined && v.includes(f.value ?? '');
  }
}

export function matchFilters(
  filters: readonly AttributeFilter[],
  attributes: Attributes,
  resource?: Attributes,
): boolean {
  for (const f of filters) if (!matchFilter(f, attributes, resource)) return false;
  return true;
}
