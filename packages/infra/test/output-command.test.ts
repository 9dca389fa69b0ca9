import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { offlineTerraformEnv } from './terraform';
import { main } from '../src/cli';

/** A complete set of platform outputs as the contract wants them. */
const OUTPUTS: Record<string, unknown> = {
  prefect_url: 'http://alb-1.elb.amazonaws.com',
  prefect_api_url: 'http://alb-1.elb.amazonaws.com/api',
  alb_dns_name: 'alb-1.elb.amazonaws.com',
  ecs_cluster_arn: 'arn:aws:ecs:eu-west-1:111111111111:cluster/prefect-dev',
  ecs_cluster_name: 'prefect-dev',
  vpc_id: 'vpc-0a1b',
  task_subnet_ids: ['subnet-01', 'subnet-02'],
  assign_public_ip: true,
  server_security_group_id: 'sg-01',
  worker_security_group_id: 'sg-02',
  flow_run_security_group_id: 'sg-03',
  execution_role_arn: 'arn:aws:iam::111111111111:role/x',
  worker_task_role_arn: 'arn:aws:iam::111111111111:role/x',
  flow_run_task_role_arn: 'arn:aws:iam::111111111111:role/x',
  deployer_task_role_arn: 'arn:aws:iam::111111111111:role/x',
  ecr_repository_url: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/blog-data',
  ecr_repository_name: 'blog-data',
  api_auth_secret_arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:a',
  database_secret_arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b',
  log_group_api: '/ecs/dev/prefect-api',
  log_group_worker: '/ecs/dev/prefect-worker',
  log_group_deployer: '/ecs/dev/prefect-deployer',
  log_group_flow_runs: '/ecs/dev/flow-runs',
  deployer_task_definition_arn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/d:1',
  flow_storage_bucket: 'blog-data-flows-dev',
  alarm_topic_arn: 'arn:aws:sns:eu-west-1:111111111111:alarms',
};

class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** A local-backend state file holding these outputs, where `--backend local` looks for it. */
function writeState(outdir: string, outputs: Record<string, unknown>): void {
  const file = path.join(outdir, 'state', 'blog-data-dev-platform.tfstate');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const typed = Object.fromEntries(
    Object.entries(outputs).map(([k, value]) => [k, { value, type: Array.isArray(value) ? ['list', 'string'] : typeof value === 'boolean' ? 'bool' : 'string' }]),
  );
  fs.writeFileSync(file, JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: 'test', outputs: typed, resources: [], check_results: null }));
}

describe('platform-infra output (real terraform, offline)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-output-'));
  const env = offlineTerraformEnv(work);
  const run = env ? it : it.skip;
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  async function output(outdir: string, ...extra: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(['output', '--env', 'dev', '--backend', 'local', '--outdir', outdir, ...extra], { stdout, stderr, env: env!, cwd: work });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  run('with no state: fails with one clear line, non-zero, and nothing on stdout', async () => {
    const result = await output(path.join(work, 'empty'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `error: no outputs in the state of blog-data-dev-platform (${path.join(work, 'empty', 'state', 'blog-data-dev-platform.tfstate')}): apply it first (platform-infra apply --env dev), or check --env and --backend`,
    ]);
  });

  run('prints only the outputs JSON on stdout (terraform init chatter stays off it)', async () => {
    const outdir = path.join(work, 'full');
    writeState(outdir, OUTPUTS);
    const result = await output(outdir);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as Record<string, { value: unknown }>;
    expect(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]))).toEqual(OUTPUTS);
    expect(result.stderr).toBe('');
  });

  run('refuses outputs that break the contract, naming the field', async () => {
    const outdir = path.join(work, 'broken');
    writeState(outdir, { ...OUTPUTS, vpc_id: 'not-a-vpc' });
    const result = await output(outdir, '--outputs-file', path.join(work, 'out.json'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: vpc_id: must be a vpc-… id \(blog-data-dev-platform outputs/);
    expect(fs.existsSync(path.join(work, 'out.json'))).toBe(false);
  });
});
