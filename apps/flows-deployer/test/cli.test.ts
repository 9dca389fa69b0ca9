import { runCli, Workspace } from './support/workspace';

describe('CLI (offline, no server)', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = Workspace.create();
  });
  afterEach(() => ws.dispose());
  const offline = (extra: string[] = [], environ: NodeJS.ProcessEnv = { PLATFORM_ENV: 'dev' }, tty = false) =>
    runCli(['plan', '--offline', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, ...extra], environ, tty);

  it('prints a plain table without a TTY and colours with one', async () => {
    const plain = await offline();
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    expect(plain.stdout).toMatch(/\+ create\s+deployment\s+ingest-blog-posts\/daily/);
    expect(plain.stdout).toContain('+ prefect_api_auth_string_secret_arn = "arn:aws:secretsmanager:');
    const tty = await offline([], { PLATFORM_ENV: 'dev' }, true);
    expect(tty.stdout).toContain('\x1b[32m+ create');
    const noColor = await offline([], { PLATFORM_ENV: 'dev', NO_COLOR: '1' }, true);
    expect(noColor.stdout).not.toMatch(/\x1b\[/);
  });

  it('exits 3 with --detailed-exitcode when the plan has changes', async () => {
    expect((await offline(['--detailed-exitcode'])).code).toBe(3);
  });

  it('reports every manifest problem, one error line each, and exits 2 (input file)', async () => {
    ws.editManifest((t) => t.replace('cron: "30 6 * * *"', 'cron: "30 6 * *"').replace('name: hourly', 'name: hourly\n    colour: blue'));
    const run = await offline();
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      `error: ${ws.manifest}: deployments[0] (daily).schedules[0].cron: must be a cron expression with 5 fields (e.g. "0 6 * * *") or an @macro`,
      `error: ${ws.manifest}: deployments[1] (hourly).colour: unknown field (not part of Prefect's prefect.yaml format)`,
    ]);
  });

  it('explains missing infra outputs', async () => {
    const run = await runCli(['plan', '--offline', '--manifest', ws.manifest], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: no infra outputs (--infra-outputs): pass --infra-outputs <file> (terraform output -json of the platform stack) or set FLOWS_DEPLOYER_INFRA_OUTPUTS to a file or inline JSON',
    );
  });

  it('puts errors in the JSON document too with --json (cli-kit\'s shape)', async () => {
    const run = await runCli(['plan', '--offline', '--json', '--manifest', ws.manifest], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(2);
    expect(run.json()).toEqual({ ok: false, exitCode: 2, errors: [{ what: 'no infra outputs', where: '--infra-outputs', fix: expect.stringMatching(/^pass --infra-outputs <file>/) }] });
  });

  it('rejects outputs without flow storage when a deployment needs uploaded code', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const outputs = JSON.parse(readFileSync(ws.outputs, 'utf8'));
    delete outputs.flow_storage_bucket;
    writeFileSync(ws.outputs, JSON.stringify(outputs));
    const run = await offline();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: deployments daily, hourly, weekly-rebuild have no pull steps and the infra outputs have no flow_storage_bucket/);
  });

  it('reads inline outputs from FLOWS_DEPLOYER_INFRA_OUTPUTS, as the ECS task passes them', async () => {
    const { readFileSync } = await import('node:fs');
    const run = await runCli(['plan', '--offline', '--json', '--manifest', ws.manifest], {
      PLATFORM_ENV: 'dev',
      FLOWS_DEPLOYER_INFRA_OUTPUTS: readFileSync(ws.outputs, 'utf8'),
    });
    expect(run.code).toBe(0);
    expect(run.json().jobDefaults.cluster).toBe('arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev');
  });

  it('reports config errors per field', async () => {
    const run = await offline([], { PLATFORM_ENV: 'dev', PLATFORM_AWS__ACCOUNT_ID: '12' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: dev\.aws\.accountId: must be a 12-digit AWS account id \(from PLATFORM_AWS__ACCOUNT_ID\)/);
  });

  it('prints help and exits 0', async () => {
    const run = await runCli(['plan', '--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--health-timeout <seconds>');
    expect(run.stderr).toBe('');
  });
});

/**
 * Issue 11: a bad --health-timeout, --request-timeout or --concurrency was blamed on the
 * FLOWS_DEPLOYER_* / PREFECT_* variable; the error must name what the user set. Flag values are
 * checked while parsing, so nothing is read or contacted (exit 2, usage).
 */
describe('CLI flag values', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = Workspace.create();
  });
  afterEach(() => ws.dispose());
  // An API URL nobody listens on: a flag error must come before any request.
  const online = (extra: string[], environ: NodeJS.ProcessEnv = {}) =>
    runCli(['plan', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, ...extra], { PLATFORM_ENV: 'dev', PREFECT_API_URL: 'http://127.0.0.1:9/api', ...environ });

  it.each([
    [['--health-timeout', 'soon'], '--health-timeout must be a positive number of seconds, got "soon" (--health-timeout): e.g. --health-timeout 30'],
    [['--request-timeout', '0'], '--request-timeout must be a positive number of seconds, got "0" (--request-timeout): e.g. --request-timeout 30'],
    [['--concurrency', '0'], '--concurrency must be an integer 1..64, got "0" (--concurrency): e.g. --concurrency 8'],
    [['--concurrency', '0x10'], '--concurrency must be an integer 1..64, got "0x10" (--concurrency): e.g. --concurrency 8'],
  ])('%j is one line naming the flag, even with the variable set, exit 2', async (flags, line) => {
    const run = await online(flags, { FLOWS_DEPLOYER_HEALTH_TIMEOUT: '5', PREFECT_API_REQUEST_TIMEOUT: '5', FLOWS_DEPLOYER_CONCURRENCY: '4' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${line}`);
    expect(run.stderr).not.toMatch(/FLOWS_DEPLOYER_|PREFECT_API_REQUEST_TIMEOUT/);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['FLOWS_DEPLOYER_HEALTH_TIMEOUT', '-1'],
    ['PREFECT_API_REQUEST_TIMEOUT', 'ten'],
    ['FLOWS_DEPLOYER_CONCURRENCY', '65'],
  ])('a bad %s is named as the variable', async (variable, value) => {
    const run = await online([], { [variable]: value });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: ${variable} must be .*, got "${value}" \\(${variable}\\)`));
  });

  it.each([
    [['--health-timeout', '5'], '--health-timeout has'],
    [['--request-timeout', '5', '--concurrency', '2'], '--request-timeout, --concurrency have'],
    [['--api-url', 'http://h/api'], '--api-url has'],
    [['--prune'], '--prune has'],
    [['--time-budget', '9'], '--time-budget has'],
  ])('refuses network flags %j with --offline in one line instead of ignoring them', async (flags, said) => {
    const run = await runCli(['plan', '--offline', '--manifest', ws.manifest, '--infra-outputs', ws.outputs, ...flags], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: ${said.replace(/[-]/g, '\\-')} no effect with --offline \\(no server is contacted\\) \\(.+\\): drop them, or drop --offline$`));
    expect(run.stdout).toBe('');
  });

  it('refuses apply --offline (it would apply nothing) and still plans offline with the variables set', async () => {
    const apply = await runCli(['apply', '--offline', '--manifest', ws.manifest, '--infra-outputs', ws.outputs], { PLATFORM_ENV: 'dev' });
    expect(apply.code).toBe(2);
    expect(apply.stderr).toBe('error: apply cannot run --offline: it writes to the Prefect server (--offline): use `flows-deployer plan --offline`, or drop --offline');
    // Variables are ambient (the ECS task, a shell): they are not read offline, and not an error.
    const plan = await runCli(['plan', '--offline', '--manifest', ws.manifest, '--infra-outputs', ws.outputs], { PLATFORM_ENV: 'dev', FLOWS_DEPLOYER_CONCURRENCY: '0' });
    expect(plan.code).toBe(0);
  });
});
