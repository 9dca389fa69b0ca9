import { Misbehaviour, MisbehavingServer } from '@blog-data/prefect-api/testing';
import { runCli, Workspace } from './support/workspace';

/**
 * The deployer fails fast and right against a misbehaving server (issue 15): bounded by the
 * request deadline and by the run's time budget, with the URL and the real cause in the message.
 * Before, one request with slow headers took 369.5 s at the default settings.
 */
describe('flows-deployer against a misbehaving server', () => {
  let ws: Workspace;
  let server: MisbehavingServer | undefined;

  beforeEach(() => {
    ws = Workspace.create();
  });

  afterEach(async () => {
    await server?.stop();
    ws.dispose();
  });

  /** The server answers the health probe, then behaves as `after` for every other request. */
  async function plan(after: Misbehaviour, flags: string[], environ: NodeJS.ProcessEnv = {}) {
    server = await MisbehavingServer.start((i) => (i === 0 ? { kind: 'json', body: true } : after));
    const started = Date.now();
    const result = await runCli(['plan', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, ...flags], { PREFECT_API_URL: server.apiUrl, ...environ });
    return { ...result, elapsedMs: Date.now() - started };
  }

  it('gives up on a request with slow headers at --request-timeout, naming the URL and the setting', async () => {
    const { code, stderr, elapsedMs } = await plan({ kind: 'slow-headers' }, ['--request-timeout', '0.5']);
    expect(code).toBe(1);
    // One attempt after the health probe; before, 1 + 5 attempts and their backoff (≥ 6.9 s here).
    expect(server?.requests).toHaveLength(2);
    expect(elapsedMs).toBeLessThan(6000);
    expect(stderr).toMatch(/^error: the Prefect API did not answer in time: no response headers within 0\.5 s(?: while trying to [^(]+)? \((GET|POST) http:\/\/127\.0\.0\.1:\d+\/api\/\S+\): .*--request-timeout sets this limit$/m);
    expect(stderr).not.toMatch(/unexpected|security group/);
  });

  it('ends the run when FLOWS_DEPLOYER_TIME_BUDGET runs out, even with a long request timeout', async () => {
    const { code, stderr, elapsedMs } = await plan({ kind: 'slow-headers' }, ['--request-timeout', '60'], { FLOWS_DEPLOYER_TIME_BUDGET: '1.5' });
    expect(code).toBe(1);
    // The request alone could have taken 60 s.
    expect(elapsedMs).toBeLessThan(10_000);
    expect(stderr).toMatch(/^error: the run's time budget ran out: its 1\.5 s ended while waiting for response headers(?: while trying to [^(]+)? \((GET|POST) http:\/\/127\.0\.0\.1:\d+\/api\/\S+\): .*, or raise FLOWS_DEPLOYER_TIME_BUDGET$/m);
  });

  it('reports truncated JSON as a malformed answer after its retries, not as a network problem', async () => {
    const { code, stderr } = await plan({ kind: 'truncated-json', body: [], keepBytes: 1 }, ['--request-timeout', '10'], { PREFECT_CLIENT_MAX_RETRIES: '1' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: the Prefect API sent a malformed answer: HTTP 200 body is not valid JSON \(.*; 1 bytes\) \(2 attempts in [\d.]+ s\)(?: while trying to [^(]+)? \((GET|POST) http:\/\/127\.0\.0\.1:\d+\/api\/\S+\): a proxy or the server cut or garbled the answer/m);
    expect(stderr).not.toMatch(/security group/);
  });

  it('rejects a time budget that is not a positive number, naming the flag, before any request', async () => {
    const { code, stderr } = await plan({ kind: 'json', body: [] }, ['--time-budget', 'soon']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: --time-budget must be a positive number of seconds, got "soon" (--time-budget): e.g. --time-budget 30');
    expect(server?.requests).toHaveLength(0);
  });
});
