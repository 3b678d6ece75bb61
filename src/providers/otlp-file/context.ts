/** Normalization context: provider name, string interner, shared resource objects. */
import type { Attributes } from '../models.js';
import { attrString } from '../models.js';
import { EMPTY_ATTRS, Interner, attributesOf, isRecord } from './values.js';

export interface NormalizeContext {
  readonly provider: string;
  readonly intern: Interner;
  /** Resource attribute sets seen so far, so every span of one resource shares one object. */
  readonly resources: Map<string, { readonly resource: Attributes; readonly service: string }>;
}

export function newNormalizeContext(provider: string): NormalizeContext {
  return { provider, intern: new Interner(), resources: new Map() };
}

const UNKNOWN_SERVICE = 'unknown_service';
const EMPTY: readonly never[] = Object.freeze([]);

export function resourceOf(
  raw: unknown,
  ctx: NormalizeContext,
): { readonly resource: Attributes; readonly service: string } {
  const list = isRecord(raw) ? raw.attributes : undefined;
  if (!Array.isArray(list) || list.length === 0) return { resource: EMPTY_ATTRS, service: UNKNOWN_SERVICE };
  const key = JSON.stringify(list);
  const hit = ctx.resources.get(key);
  if (hit) return hit;
  const resource = attributesOf(list, ctx.intern);
  const r = { resource, service: ctx.intern.get(attrString(resource, 'service.name') || UNKNOWN_SERVICE) };
  ctx.resources.set(key, r);
  return r;
}

/** Scope entries (scopeSpans / scopeLogs / scopeMetrics, or the pre-1.0 instrumentationLibrary* names). */
export function scopes(entry: Record<string, unknown>, key: string, legacyKey: string): readonly unknown[] {
  const v = entry[key] ?? entry[legacyKey];
  return Array.isArray(v) ? v : EMPTY;
}
