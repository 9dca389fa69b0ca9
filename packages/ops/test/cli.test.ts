import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '@blog-data/test-support';
import { main } from '../src';
import { captureIo } from './cli-io';

/** The AWS SDK reads its credential chain and endpoint from process.env, not from the CLI's io. */
function withProcessEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

const NO_FILE = join(tmpdir(), 'platform-ops-test-no-such-file');
/** Nothing in the SDK's default chain: no keys, no profile files, no web identity, no instance metadata. */
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_ROLE_ARN: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_SHARED_CREDENTIALS_FILE: NO_FILE,
  AWS_CONFIG_FILE: NO_FILE,
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('platform-ops on the command line', () => {
  it('--help exits 0 on the program and on every command', async () => {
    for (const args of [['--help'], ['doctor', '--help'], ['cost', '--help'], ['logs', '--help'], ['dashboard', '--help']]) {
      const io = captureIo();
      expect([args.join(' '), await main(args, io)]).toEqual([args.join(' '), 0]);
      expect(io.stdout.text).toContain('Usage: platform-ops');
    }
  });

  it('doctor without AWS credentials prints one line naming them and exits 1, not a failed check per service', async () => {
    const restore = withProcessEnv(NO_CREDENTIALS);
    try {
      const io = captureIo({ PREFECT_API_AUTH_STRING: 'u:p' });
      const code = await main(['doctor', '--env', 'dev', '--prefect-url', 'http://127.0.0.1:9'], io);
      expect(code).toBe(1);
      expect(io.stdout.text).toBe('');
      const lines = io.stderr.text.trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(/^error: no AWS credentials \(AWS SDK credential chain\): set AWS_PROFILE .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)]);
      expect(io.stderr.text).not.toMatch(/restore|CredentialsProviderError|checks failed/);
    } finally {
      restore();
    }
  });

  it('doctor --json without AWS credentials is the same one error, as JSON on stdout', async () => {
    const restore = withProcessEnv(NO_CREDENTIALS);
    try {
      const io = captureIo();
      expect(await main(['doctor', '--env', 'dev', '--json'], io)).toBe(1);
      expect(JSON.parse(io.stdout.text)).toMatchObject({ ok: false, exitCode: 1, errors: [{ what: 'no AWS credentials' }] });
    } finally {
      restore();
    }
  });

  it('never prints the password of a Prefect URL with credentials, in the report, progress or --json', async () => {
    const port = await freeLoopbackPort();
    // Credentials that resolve, and an AWS endpoint that refuses at once: every check fails fast.
    const restore = withProcessEnv({ ...NO_CREDENTIALS, AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    const url = `http://admin:s3cret-pw@127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'ops-redact-'));
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ prefect_url: { value: url, type: 'string' }, prefect_api_url: { value: `${url}/api`, type: 'string' } }));
    try {
      for (const json of [false, true]) {
        const io = captureIo({ PREFECT_API_AUTH_STRING: 'u:p' }, { tty: true });
        const args = ['doctor', '--env', 'dev', '--infra-outputs', outputs, '--prefect-url', url, '--timeout', '2000', ...(json ? ['--json'] : [])];
        expect(await main(args, io)).toBe(1);
        expect(io.stdout.text).toContain(`http://***@127.0.0.1:${port}/api/health`);
        expect(io.stdout.text + io.stderr.text).not.toContain('s3cret-pw');
        if (json) expect(JSON.parse(io.stdout.text)).toMatchObject({ ok: false });
      }
    } finally {
      restore();
    }
  }, 60_000);

  it('dashboard never prints the password of a Prefect URL with credentials', async () => {
    const controller = new AbortController();
    const io = captureIo({ PREFECT_API_AUTH_STRING: 'u:p' }, { signal: controller.signal });
    const running = main(['dashboard', '--env', 'dev', '--port', '0', '--prefect-url', 'https://admin:s3cret-pw@prefect.example.com'], io);
    for (let i = 0; i < 100 && !io.stdout.text.includes('dashboard of'); i++) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const code = await running;
    expect(io.stderr.text).toBe('note: no --infra-outputs (or INFRA_OUTPUTS_FILE): checks that need the platform stack\'s outputs will fail\n');
    expect(code).toBe(0);
    expect(io.stdout.text).toMatch(/^dashboard of dev at http:\/\/127\.0\.0\.1:\d+ \(read-only; Ctrl-C stops it\)\n$/);
    expect(io.stdout.text + io.stderr.text).not.toContain('s3cret-pw');
  });

  it('a mistyped infra output is one usage line naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-redact-'));
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ prefect_api_url: 'https://prefect.example.com/wrong' }));
    const restore = withProcessEnv({ ...NO_CREDENTIALS, AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'test' });
    try {
      for (const json of [false, true]) {
        const io = captureIo();
        expect(await main(['doctor', '--env', 'dev', '--infra-outputs', outputs, ...(json ? ['--json'] : [])], io)).toBe(2);
        expect(io.stderr.text).toContain(`error: prefect_api_url: must end in /api (${outputs})`);
      }
    } finally {
      restore();
    }
  });
});
