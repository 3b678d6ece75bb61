/**
 * A counting semaphore with a FIFO wait queue and acquire timeouts: the lab's connection pools (database clients)
 * and worker pools (database executors, endpoint concurrency). Leaked permits are never returned, as a real leaked
 * connection never is.
 */
export class PoolTimeoutError extends Error {
  constructor(
    readonly poolName: string,
    readonly waitedMs: number,
  ) {
    super(`timed out after ${Math.round(waitedMs)}ms waiting for a connection from pool ${poolName}`);
    this.name = 'PoolTimeoutError';
  }
}

interface Waiter {
  readonly resolve: (release: () => void) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

export interface PoolStats {
  readonly size: number;
  readonly used: number;
  readonly pending: number;
}

export class Semaphore {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly name: string,
    readonly size: number,
  ) {}

  stats(): PoolStats {
    return { size: this.size, used: this.used, pending: this.queue.length };
  }

  /** Resolves with a release function; rejects with PoolTimeoutError when no permit frees up within timeoutMs. */
  acquire(timeoutMs: number): Promise<() => void> {
    if (this.used < this.size) {
      this.used += 1;
      return Promise.resolve(this.releaser());
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer:
          timeoutMs > 0
            ? setTimeout(() => {
                const i = this.queue.indexOf(waiter);
                if (i >= 0) this.queue.splice(i, 1);
                reject(new PoolTimeoutError(this.name, performance.now() - started));
              }, timeoutMs)
            : undefined,
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        if (next.timer) clearTimeout(next.timer);
        next.resolve(this.releaser());
      } else {
        this.used -= 1;
      }
    };
  }
}
