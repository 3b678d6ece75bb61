/**
 * CPU time of other processes, for per-request and per-incident CPU figures that a loaded machine distorts far
 * less than wall-clock rates: a process' user + system time from /proc/<pid>/stat (Linux; undefined elsewhere),
 * and a redis-server's own used_cpu_user + used_cpu_sys from INFO cpu.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** USER_HZ: /proc reports clock ticks of 1/100 s on Linux (fixed by the kernel ABI, whatever CONFIG_HZ is). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process (and its threads) in ms, or undefined when /proc is not readable. */
export function processCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuMs(`/proc/${pid}/stat`);
}

/**
 * User + system CPU time of this process's main thread in ms (/proc/self/task/<pid>/stat), or undefined off Linux:
 * what JavaScript itself costs, without V8's helper threads (concurrent GC, background compilation). 10 ms ticks.
 */
export function mainThreadCpuMs(): number | undefined {
  return statCpuMs(`/proc/self/task/${process.pid}/stat`);
}

function statCpuMs(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU time redis-server has used (INFO cpu), ms. */
export async function redisCpuMs(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('cpu');
  const num = (k: string) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1]);
  const v = num('used_cpu_user') + num('used_cpu_sys');
  return Number.isFinite(v) ? v * 1000 : undefined;
}

/** A counter read at two instants: `since()` is the difference, undefined when either read failed. */
export async function cpuWindow(
  read: () => Promise<number | undefined> | number | undefined,
): Promise<{ since(): Promise<number | undefined> }> {
  const start = await read();
  return {
    async since() {
      const end = await read();
      return start === undefined || end === undefined ? undefined : end - start;
    },
  };
}

/**
 * Time the main thread of a process spent runnable but waiting for a CPU (run-queue wait, /proc/<pid>/schedstat
 * field 2, Linux with schedstats), ms; undefined when not readable. High next to its CPU time: the process was
 * starved by other work on the machine, not waiting on I/O.
 */
export function runQueueWaitMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const wait = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
