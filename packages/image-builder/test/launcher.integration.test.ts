import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeWithServices } from '@blog-data/test-support';
import { forwardRequest } from './registry-proxy';
import { makeTestCertificates, startTlsServer, TestCertificates } from './tls-server';

const LAUNCHER = path.join(__dirname, '..', 'bin', 'image-builder');
const FIXTURE = path.join(__dirname, 'fixtures', 'busybox-app');

describeWithServices('the launcher with the AWS emulator behind TLS (an endpoint signed by a CA of its own)',
  ['TEST_REGISTRY', 'AWS_ENDPOINT_URL'], (env) => {
    let certificates: TestCertificates;
    let emulator: { url: string; close(): Promise<void> };
    let home: string;
    const calls: string[] = [];
    const account = process.env.TEST_AWS_ACCOUNT_ID ?? '123456789012';
    const region = process.env.AWS_REGION ?? 'eu-west-2';

    beforeAll(async () => {
      certificates = makeTestCertificates();
      // TLS in front of the emulator, as a corporate proxy or a private endpoint would put it.
      const upstream = new URL(env.AWS_ENDPOINT_URL);
      emulator = await startTlsServer(certificates, (req, res) => {
        calls.push(String(req.headers['x-amz-target'] ?? req.url));
        forwardRequest(req, res, { host: upstream.hostname, port: upstream.port });
      });
      home = mkdtempSync(path.join(tmpdir(), 'ib-launcher-'));
    });
    afterAll(async () => {
      await emulator.close();
      certificates.remove();
      rmSync(home, { recursive: true, force: true });
    });

    /** A dry-run publish through the launcher: the ECR token comes from the emulator through the AWS SDK, over TLS. */
    function dryRun(extra: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
      const environ: NodeJS.ProcessEnv = {
        ...process.env,
        AWS_ENDPOINT_URL: emulator.url,
        PLATFORM_AWS__ACCOUNT_ID: account,
        PLATFORM_AWS__REGION: region,
        PLATFORM_IMAGE__REPOSITORY: 'ib-launcher-never-pushed',
        // A token cache of this run's own: every run asks the emulator.
        XDG_CACHE_HOME: path.join(home, `cache-${calls.length}`),
        ...extra,
      };
      delete environ.NODE_EXTRA_CA_CERTS;
      if (extra.NODE_EXTRA_CA_CERTS) environ.NODE_EXTRA_CA_CERTS = extra.NODE_EXTRA_CA_CERTS;
      return new Promise((resolve) => {
        execFile(LAUNCHER, ['publish', '--dry-run', '--json', '--context', FIXTURE, '--registry', env.TEST_REGISTRY], { env: environ },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
      });
    }

    it("trusts the NODE_EXTRA_CA_CERTS certificates in the AWS SDK's clients: the ECR login gets through", async () => {
      const untrusted = await dryRun({});
      expect(untrusted.code).not.toBe(0);
      expect(untrusted.stderr).toBe('error: the TLS certificate of ECR\'s endpoint is not trusted here (UNABLE_TO_VERIFY_LEAF_SIGNATURE) '
        + `for GetAuthorizationToken (account ${account}, region ${region}): if a proxy or a private CA signs it, `
        + 'name that CA\'s certificate file in NODE_EXTRA_CA_CERTS; else check AWS_ENDPOINT_URL if set\n');

      calls.length = 0;
      const trusted = await dryRun({ NODE_EXTRA_CA_CERTS: certificates.caFile });
      expect(calls).toContain('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
      expect(trusted.stderr).toBe('');
      expect(trusted.code).toBe(0);
      expect(JSON.parse(trusted.stdout)).toMatchObject({ status: 'planned', pushed: false });
    });
  });
