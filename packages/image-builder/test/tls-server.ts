import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A certificate authority of a test's own, and a 127.0.0.1 server certificate it signed (openssl, as a corporate CA would be). */
export interface TestCertificates {
  /** The CA certificate's file (what NODE_EXTRA_CA_CERTS would name). */
  readonly caFile: string;
  readonly caPem: string;
  readonly serverKey: string;
  readonly serverCert: string;
  /** A second CA that signed nothing here. */
  readonly otherCaPem: string;
  remove(): void;
}

/** Makes {@link TestCertificates} with the openssl CLI (Debian's ca-certificates depends on it). */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'ib-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = ['-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=image-builder test CA', ...ca);
  openssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-subj', '/CN=another test CA', ...ca);
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  return {
    caFile: path.join(dir, 'ca.pem'),
    caPem: read('ca.pem'),
    serverKey: read('server.key'),
    serverCert: read('server.pem'),
    otherCaPem: read('other.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An HTTPS server on 127.0.0.1 with the test server certificate; `handler` answers, default 200 "ok". */
export async function startTlsServer(certificates: TestCertificates, handler?: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = https.createServer({ key: certificates.serverKey, cert: certificates.serverCert }, handler ?? ((_req, res) => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
