import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Total size in bytes of the files under a directory. */
export function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}
