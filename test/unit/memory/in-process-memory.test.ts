import { FixedClock } from '../../../src/kernel/clock.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { runMemoryConformance } from '../../conformance/memory-conformance.js';

runMemoryConformance('in-process', () => {
  const clock = new FixedClock(new Date('2026-11-21T10:00:00Z'));
  const kv = new InProcessKeyValue(clock);
  return Promise.resolve({
    memory: new ThreadMemory(kv, clock),
    shortLived: new ThreadMemory(kv, clock, { ttlSeconds: 60 }),
    shortTtlMs: 60_000,
    elapse: (ms: number) => clock.advanceMs(ms),
    cleanup: () => kv.close(),
  });
});
