/** Loopback networking helpers shared by the lab, the demo and the test harnesses. */
import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host` (the OS picks it: listen on 0, read it, close). Another process
 * may take it before the caller binds it; good enough for private test, lab and demo servers.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
