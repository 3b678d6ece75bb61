/**
 * The API budget of one investigation: provider calls and rows, per provider and in total, plus the deadline.
 * Pure bookkeeping (the caller passes the time in). A call is admitted only when it fits every limit; its row
 * limit is the least of the per-call cap and what is left of the totals, and is reserved up front so calls that
 * run concurrently can never overrun the totals together. After the call the unused rows are released.
 *
 * Rows: spans, log lines, metric points and error issues, one each.
 */
import type { ProviderCallStats } from '../rca/contract.js';

export interface BudgetLimits {
  /** Most provider calls in the investigation (FLIPTURN_PROVIDER_CALL_BUDGET, default 12). */
  readonly maxCalls: number;
  /** Most rows one call may return (FLIPTURN_PROVIDER_ROW_BUDGET, default 5000). */
  readonly maxRowsPerCall: number;
  /** Most rows over the whole investigation (default maxCalls * maxRowsPerCall). */
  readonly maxRowsTotal?: number;
  /** Per-provider limits, by provider name (default: only the totals apply). */
  readonly perProvider?: Readonly<Record<string, { readonly maxCalls?: number; readonly maxRows?: number }>>;
  /** Absolute deadline of the investigation in epoch milliseconds (wall clock); no call starts after it. */
  readonly deadlineMs?: number;
}

export type Admission =
  | { readonly admitted: true; readonly ticket: number; readonly rowLimit: number }
  | { readonly admitted: false; readonly reason: string; readonly limit: BudgetLimit };

/** Which limit refused a call: the deadline, the total calls, the provider's calls, or rows. */
export type BudgetLimit = 'deadline' | 'calls' | 'provider_calls' | 'rows';

interface Usage {
  calls: number;
  rows: number;
  reserved: number;
}

export class Budget {
  readonly limits: Required<Omit<BudgetLimits, 'deadlineMs' | 'perProvider'>> &
    Pick<BudgetLimits, 'deadlineMs' | 'perProvider'>;
  private readonly total: Usage = { calls: 0, rows: 0, reserved: 0 };
  private readonly byProvider = new Map<string, Usage>();
  private readonly open = new Map<number, { provider: string; reserved: number }>();
  private nextTicket = 1;

  constructor(limits: BudgetLimits) {
    for (const [k, v] of [
      ['maxCalls', limits.maxCalls],
      ['maxRowsPerCall', limits.maxRowsPerCall],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer, got ${v}`);
    }
    this.limits = { ...limits, maxRowsTotal: limits.maxRowsTotal ?? limits.maxCalls * limits.maxRowsPerCall };
  }

  private usage(provider: string): Usage {
    let u = this.byProvider.get(provider);
    if (!u) {
      u = { calls: 0, rows: 0, reserved: 0 };
      this.byProvider.set(provider, u);
    }
    return u;
  }

  /** Admits one call to `provider` at wall-clock time `nowMs`, or says why not. Counts the call when admitted. */
  admit(provider: string, nowMs: number): Admission {
    const l = this.limits;
    if (l.deadlineMs !== undefined && nowMs >= l.deadlineMs)
      return { admitted: false, reason: 'the investigation deadline has passed', limit: 'deadline' };
    if (this.total.calls >= l.maxCalls)
      return { admitted: false, reason: `call budget of ${l.maxCalls} spent`, limit: 'calls' };
    const u = this.usage(provider);
    const p = l.perProvider?.[provider];
    if (p?.maxCalls !== undefined && u.calls >= p.maxCalls)
      return { admitted: false, reason: `call budget of ${p.maxCalls} for ${provider} spent`, limit: 'provider_calls' };
    const totalLeft = l.maxRowsTotal - this.total.rows - this.total.reserved;
    const providerLeft = p?.maxRows === undefined ? Infinity : p.maxRows - u.rows - u.reserved;
    const rowLimit = Math.min(l.maxRowsPerCall, totalLeft, providerLeft);
    if (rowLimit < 1)
      return {
        admitted: false,
        reason: `row budget spent (${l.maxRowsTotal} in total${p?.maxRows !== undefined ? `, ${p.maxRows} for ${provider}` : ''})`,
        limit: 'rows',
      };
    this.total.calls += 1;
    u.calls += 1;
    this.total.reserved += rowLimit;
    u.reserved += rowLimit;
    const ticket = this.nextTicket++;
    this.open.set(ticket, { provider, reserved: rowLimit });
    return { admitted: true, ticket, rowLimit };
  }

  /** Settles an admitted call with the rows it kept (never more than its row limit: the caller trims). */
  settle(ticket: number, rows: number): void {
    const o = this.open.get(ticket);
    if (!o) throw new RangeError(`unknown or settled budget ticket ${ticket}`);
    this.open.delete(ticket);
    const kept = Math.max(0, Math.min(rows, o.reserved));
    const u = this.usage(o.provider);
    this.total.reserved -= o.reserved;
    u.reserved -= o.reserved;
    this.total.rows += kept;
    u.rows += kept;
  }

  /** Calls admitted so far, in total and per provider (keys sorted). */
  stats(): ProviderCallStats {
    const byProvider: Record<string, number> = {};
    for (const name of [...this.byProvider.keys()].sort()) {
      const u = this.byProvider.get(name);
      if (u && u.calls > 0) byProvider[name] = u.calls;
    }
    return { total: this.total.calls, byProvider };
  }

  rowsUsed(): number {
    return this.total.rows;
  }

  callsLeft(): number {
    return Math.max(0, this.limits.maxCalls - this.total.calls);
  }
}
