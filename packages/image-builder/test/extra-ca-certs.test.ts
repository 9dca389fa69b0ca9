import { rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { makeTestCertificates, startTlsServer, TestCertificates } from './tls-server';
import { DEFERRED_EXTRA_CA_CERTS, DeferredExtraCaCertificates, trustDeferredExtraCaCertificates } from '../src/extra-ca-certs';

/** One GET on a connection of its own: the body, or the TLS error's code. */
function get(url: string, options: https.RequestOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    https.get(url, { agent: false, ...options }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('trusting the NODE_EXTRA_CA_CERTS file the launcher deferred', () => {
  let certificates: TestCertificates;
  let server: { url: string; close(): Promise<void> };
  let trust: DeferredExtraCaCertificates | undefined;
  beforeAll(async () => {
    certificates = makeTestCertificates();
    server = await startTlsServer(certificates);
  });
  afterAll(async () => {
    await server.close();
    certificates.remove();
  });
  afterEach(() => trust?.restore());

  it('leaves TLS alone when nothing was deferred (and then the test CA is not trusted)', async () => {
    const env: NodeJS.ProcessEnv = {};
    trust = trustDeferredExtraCaCertificates(env);
    expect(trust).toBeUndefined();
    expect(env).toEqual({});
    expect(await get(server.url)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('trusts the certificates from the first TLS connection on, reading the file only then, and gives children the variable back', async () => {
    const file = `${certificates.caFile}.later`;
    const env: NodeJS.ProcessEnv = { [DEFERRED_EXTRA_CA_CERTS]: file };
    trust = trustDeferredExtraCaCertificates(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: file });
    // Written after the trust was installed: only a read at the first connection can see it.
    writeFileSync(file, certificates.caPem);
    try {
      expect(await get(server.url)).toBe('ok');
    } finally {
      rmSync(file);
    }
  });

  it('parses the bundle once: connections without options of their own share one context, which keeps trusting after the file is gone', async () => {
    const file = `${certificates.caFile}.once`;
    writeFileSync(file, certificates.caPem);
    trust = trustDeferredExtraCaCertificates({ [DEFERRED_EXTRA_CA_CERTS]: file });
    expect(await get(server.url)).toBe('ok');
    rmSync(file);
    expect(await get(server.url)).toBe('ok');
    expect(tls.createSecureContext()).toBe(tls.createSecureContext({ servername: 'registry.example' } as tls.SecureContextOptions));
  });

  it('gives a connection with context options of its own a context of its own, with the certificates too', async () => {
    trust = trustDeferredExtraCaCertificates({ [DEFERRED_EXTRA_CA_CERTS]: certificates.caFile });
    expect(tls.createSecureContext({ minVersion: 'TLSv1.3' })).not.toBe(tls.createSecureContext());
    expect(await get(server.url, { minVersion: 'TLSv1.3' })).toBe('ok');
  });

  it("keeps Node's rule that an explicit `ca` replaces the defaults and the extra certificates", async () => {
    trust = trustDeferredExtraCaCertificates({ [DEFERRED_EXTRA_CA_CERTS]: certificates.caFile });
    expect(await get(server.url, { ca: certificates.otherCaPem })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await get(server.url, { ca: certificates.caPem })).toBe('ok');
  });

  it('warns once about a file it cannot read, as Node does at start-up, and keeps the default roots', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      trust = trustDeferredExtraCaCertificates({ [DEFERRED_EXTRA_CA_CERTS]: '/nonexistent/ca.pem' });
      expect(await get(server.url)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(await get(server.url, { minVersion: 'TLSv1.3' })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(warn.mock.calls).toEqual([[expect.stringMatching(/^Ignoring extra certs from `\/nonexistent\/ca\.pem`, load failed: ENOENT/)]]);
      // Contexts still work, as Node built them.
      expect(await get(server.url, { ca: certificates.caPem })).toBe('ok');
    } finally {
      warn.mockRestore();
    }
  });

  it('puts tls.createSecureContext back on restore', async () => {
    trust = trustDeferredExtraCaCertificates({ [DEFERRED_EXTRA_CA_CERTS]: certificates.caFile });
    trust?.restore();
    trust = undefined;
    expect(await get(server.url)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
