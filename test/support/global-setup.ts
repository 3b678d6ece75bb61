/**
 * Vitest global setup: where server-backed tests are required (CI), a missing server binary fails the whole run
 * at once, naming the Debian package, instead of failing file by file (see ./servers.ts).
 */
import { missingServerMessage, SERVER_BINARIES, serverInstalled, serversRequired } from './servers.js';

export default function setup(): void {
  if (!serversRequired()) return;
  const missing = SERVER_BINARIES.filter((bin) => !serverInstalled(bin));
  if (missing.length > 0) throw new Error(missing.map(missingServerMessage).join('\n'));
}
