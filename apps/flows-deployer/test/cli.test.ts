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

  it('reports every manifest problem and exits 1', async () => {
    ws.editManifest((t) => t.replace('cron: "30 6 * * *"', 'cron: "30 6 * *"').replace('name: hourly', 'name: hourly\n    colour: blue'));
    const run = await offline();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${ws.manifest} is invalid:`);
    expect(run.stderr).toContain(`${ws.manifest}: deployments[0] (daily).schedules[0].cron: must be a cron expression`);
    expect(run.stderr).toContain(`${ws.manifest}: deployments[1] (hourly).colour: unknown field`);
  });

  it('explains missing infra outputs', async () => {
    const run = await runCli(['plan', '--offline', '--manifest', ws.manifest], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: no infra outputs (--infra-outputs): pass --infra-outputs <file> (terraform output -json of the platform stack) or set FLOWS_DEPLOYER_INFRA_OUTPUTS to a file or inline JSON',
    );
  });

  it('puts errors in the JSON document too with --json', async () => {
    const run = await runCli(['plan', '--offline', '--json', '--manifest', ws.manifest], { PLATFORM_ENV: 'dev' });
    expect(run.code).toBe(1);
    expect(run.json()).toEqual({ error: [expect.stringMatching(/^no infra outputs \(--infra-outputs\)/)] });
  });

  it('rejects outputs without flow storage when a deployment needs uploaded code', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const outputs = JSON.parse(readFileSync(ws.outputs, 'utf8'));
    delete outputs.flow_storage_bucket;
    writeFileSync(ws.outputs, JSON.stringify(outputs));
    const run = await offline();
    expect(run.code).toBe(1);
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
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: dev\.aws\.accountId: must be a 12-digit AWS account id \(from PLATFORM_AWS__ACCOUNT_ID\)/);
  });
});
