import * as net from 'node:net';

/**
 * A loopback port nothing listens on (bound, then released): free for a server to take (a port
 * forward, a test service), and a connection to it is refused (tests of "unreachable"). Not port
 * 1: fetch refuses some low ports outright, which is a different error.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
