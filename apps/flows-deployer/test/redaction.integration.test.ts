import { freeLoopbackPort } from '@blog-data/test-support';
import { AUTH, contractSession } from './support/contract-session';
import { CliRun, runCli, Workspace } from './support/workspace';

/**
 * Issue 12 (7): credentials in a URL (`PREFECT_API_URL=https://user:pass@host/api`) are never
 * printed: not in errors, progress, the plan or `--json`, with or without --verbose.
 */
const PASSWORD = 'hunter2-in-the-url';

function expectNoPassword(run: CliRun): void {
  expect(run.stdout).not.toContain(PASSWORD);
  expect(run.stderr).not.toContain(PASSWORD);
}

describe('flows-deployer with credentials in the API URL (unreachable server)', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = Workspace.create();
  });
  afterEach(() => ws.dispose());

  it.each([[[]], [['--json']], [['--verbose']]])('never prints the password, as an error, in stdout or stderr (%j)', async (extra) => {
    const url = `http://blog:${PASSWORD}@127.0.0.1:${await freeLoopbackPort()}/api`;
    // A TTY, so progress ("waiting for …/health", retries) is printed too.
    const run = await runCli(['plan', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, '--health-timeout', '1', ...extra], { PLATFORM_ENV: 'dev', PREFECT_API_URL: url }, true);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: Prefect API not healthy after \d+s .*\(GET http:\/\/127\.0\.0\.1:\d+\/api\/health\)/);
    expectNoPassword(run);
    if (extra[0] === '--json') expect(run.json()).toMatchObject({ ok: false, exitCode: 1 });
  });

  it.each([
    ['PREFECT_API_URL', `https://blog:${PASSWORD}@prefect.example.com/not-api`, 'must end in /api'],
    ['PREFECT_API_URL', `ftp://blog:${PASSWORD}@prefect.example.com/api`, 'must be http or https'],
    ['--api-url', `https://blog:${PASSWORD}@prefect.example.com/api?x=1`, 'must not have a query'],
  ])('an invalid %s with credentials is shown with *** (%s)', async (setting, url, said) => {
    const flag = setting === '--api-url' ? ['--api-url', url] : [];
    const run = await runCli(['plan', '--json', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, ...flag], {
      PLATFORM_ENV: 'dev',
      ...(setting === 'PREFECT_API_URL' ? { PREFECT_API_URL: url } : {}),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(said);
    expect(run.stderr).toContain('://***@prefect.example.com');
    expect(run.json().errors[0].what).toContain('://***@prefect.example.com');
    expectNoPassword(run);
  });

  it('redacts credentials in the prefect_api_url output too (the fallback URL)', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const outputs = JSON.parse(readFileSync(ws.outputs, 'utf8'));
    outputs.prefect_api_url.value = `http://blog:${PASSWORD}@127.0.0.1:${await freeLoopbackPort()}/api`;
    writeFileSync(ws.outputs, JSON.stringify(outputs));
    const run = await runCli(['plan', '--json', '--verbose', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, '--health-timeout', '1'], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(1);
    expectNoPassword(run);
  });
});

describe('flows-deployer with credentials in the API URL (contract server)', () => {
  const t = contractSession();

  it('uses them as basic auth, as Prefect\'s client does, and prints the URL without them (plan, apply, --json)', async () => {
    const [user, password] = AUTH.split(':');
    delete t.environ.PREFECT_API_AUTH_STRING;
    t.environ.PREFECT_API_URL = t.server.apiUrl.replace('http://', `http://${user}:${password}@`);
    const plan = await t.cli('plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^flows-deployer plan · env dev · http:\/\/127\.0\.0\.1:\d+\/api$/m);
    const apply = await t.cli('apply', '--json');
    expect(apply.code).toBe(0);
    expect(apply.json().applied.length).toBeGreaterThan(0);
    for (const run of [plan, apply]) {
      expect(run.stdout).not.toContain(password);
      expect(run.stderr).not.toContain(password);
    }
  });

  it('says the credentials in the URL are wrong on 401 without printing them', async () => {
    delete t.environ.PREFECT_API_AUTH_STRING;
    t.environ.PREFECT_API_URL = t.server.apiUrl.replace('http://', `http://prefect:${PASSWORD}@`);
    const run = await t.cli('plan', '--json');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rejected our credentials/);
    expectNoPassword(run);
  });
});
