/**
 * The faults active in one service process, and the process-wide ones that are real behaviours of the process
 * itself: CPU saturation (busy loops on the event loop) and a memory leak (retained allocations, so the garbage
 * collector works harder and pauses longer).
 */
import type { ServiceFault } from '../spec.js';

type Of<K extends ServiceFault['kind']> = Extract<ServiceFault, { kind: K }>;

export class FaultState {
  private faults: readonly ServiceFault[] = [];
  private cpuTimer: NodeJS.Timeout | undefined;
  private leakTimer: NodeJS.Timeout | undefined;
  private readonly leaked: unknown[][] = [];

  constructor(private readonly service: string) {}

  set(faults: readonly ServiceFault[]): void {
    this.faults = faults;
    this.applyProcessFaults();
  }

  all(): readonly ServiceFault[] {
    return this.faults;
  }

  find<K extends ServiceFault['kind']>(kind: K, route?: string): Of<K> | undefined {
    return this.faults.find((f): f is Of<K> => f.kind === kind && matchesRoute(f, route) && targetsMe(f, this.service));
  }

  /** Network faults configured on this (calling) service towards `target`. */
  network(target: string): Of<'network'> | undefined {
    return this.faults.find(
      (f): f is Of<'network'> => f.kind === 'network' && f.from === this.service && f.to === target,
    );
  }

  retryPolicy(target: string): Of<'retry_policy'> | undefined {
    return this.faults.find(
      (f): f is Of<'retry_policy'> => f.kind === 'retry_policy' && f.service === this.service && f.target === target,
    );
  }

  missingCall(route: string, target: string): boolean {
    return this.faults.some(
      (f) =>
        f.kind === 'missing_call' &&
        f.service === this.service &&
        f.target === target &&
        (f.route === undefined || f.route === route),
    );
  }

  leakedObjects(): number {
    return this.leaked.reduce((n, a) => n + a.length, 0);
  }

  stop(): void {
    if (this.cpuTimer) clearInterval(this.cpuTimer);
    if (this.leakTimer) clearInterval(this.leakTimer);
    this.cpuTimer = undefined;
    this.leakTimer = undefined;
  }

  private applyProcessFaults(): void {
    this.stop();
    const cpu = this.find('cpu');
    if (cpu) {
      const tickMs = 50;
      const busyMs = cpu.busyFraction * tickMs;
      this.cpuTimer = setInterval(() => busyWait(busyMs), tickMs);
    }
    const leak = this.find('memory_leak');
    if (leak) {
      const perTick = Math.max(1, Math.round(leak.objectsPerSec / 10));
      let seq = 0;
      this.leakTimer = setInterval(() => {
        const batch: unknown[] = [];
        for (let i = 0; i < perTick; i += 1) {
          seq += 1;
          batch.push({
            seq,
            session: `sess-${seq}`,
            attrs: [seq, seq * 2, seq * 3],
            note: `cached response fragment ${seq}`,
          });
        }
        this.leaked.push(batch);
      }, 100);
    }
  }
}

function matchesRoute(f: ServiceFault, route: string | undefined): boolean {
  const r = 'route' in f ? f.route : undefined;
  return r === undefined || route === undefined || r === route;
}

function targetsMe(f: ServiceFault, me: string): boolean {
  if (f.kind === 'network') return f.from === me;
  return f.service === me;
}

/** Real CPU work: spins the event loop for `ms` milliseconds. */
export function busyWait(ms: number): void {
  if (ms <= 0) return;
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i += 1) x = (x * 31 + i) % 1_000_003;
  }
  if (x === -1) throw new Error('unreachable');
}
