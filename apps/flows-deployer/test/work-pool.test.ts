import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Problem, UserError } from '@blog-data/cli-kit';
import { loadConfig } from '@blog-data/config';
import { resolveImage } from '../src/image';
import { BASE64_PREFIX, flattenOutputs, poolOutputs, readInfraOutputs } from '../src/infra-outputs';
import { ecsJobDefaults, JobTemplate, loadEcsBaseTemplate, planWorkPool, renderEcsJobTemplate } from '../src/work-pool';
import { TERRAFORM_OUTPUTS } from './support/workspace';

const config = loadConfig({ env: 'dev', environ: {} });
const outputs = poolOutputs(flattenOutputs(TERRAFORM_OUTPUTS));
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The problems a UserError stands for (fails when `fn` does not throw one). */
function problemsOf(fn: () => unknown): readonly Problem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err.problems();
    throw err;
  }
  throw new Error('expected a UserError');
}

function render(image = 'repo/blog-data:tag'): JobTemplate {
  return renderEcsJobTemplate(loadEcsBaseTemplate(), ecsJobDefaults(config, outputs, image));
}

function poolResponse(template: unknown, type = 'ecs') {
  const now = new Date().toISOString();
  return { id: '00000000-0000-4000-8000-000000000001', created: now, updated: now, name: 'blog-data-pool', type, base_job_template: template as Record<string, unknown> };
}

describe('ECS job template', () => {
  it('fills the 3.8.3 template variables with our defaults', () => {
    const props = render().variables.properties;
    expect(props.cluster.default).toBe('arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev');
    expect(props.vpc_id.default).toBe('vpc-0a1b2c3d4e5f60718');
    expect(props.execution_role_arn.default).toBe('arn:aws:iam::111111111111:role/blog-data-dev-ecs-execution');
    expect(props.task_role_arn.default).toBe('arn:aws:iam::111111111111:role/blog-data-dev-flow-run');
    expect(props.prefect_api_auth_string_secret_arn.default).toBe(TERRAFORM_OUTPUTS.api_auth_secret_arn.value);
    expect(props.configure_cloudwatch_logs.default).toBe(true);
    expect(props.cloudwatch_logs_options.default).toEqual({
      'awslogs-group': '/ecs/dev/prefect-flow-runs',
      'awslogs-region': 'eu-west-2',
      'awslogs-stream-prefix': 'flow-runs',
    });
    expect(props.cpu.default).toBe(512);
    expect(props.memory.default).toBe(1024);
    expect(props.network_configuration.default).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'], securityGroups: ['sg-0f1e2d3c4b5a69788'], assignPublicIp: 'ENABLED' },
    });
    // Untouched: the job_configuration placeholders and the variables' descriptions.
    expect(render().job_configuration).toEqual(loadEcsBaseTemplate().job_configuration);
    expect(props.image.description).toMatch(/image to use for the Prefect container/);
  });

  it('disables public IPs when tasks run in private subnets', () => {
    const priv = poolOutputs({ ...flattenOutputs(TERRAFORM_OUTPUTS), assign_public_ip: false });
    const t = renderEcsJobTemplate(loadEcsBaseTemplate(), ecsJobDefaults(config, priv, 'img'));
    expect((t.variables.properties.network_configuration.default as any).awsvpcConfiguration.assignPublicIp).toBe('DISABLED');
  });

  it('fails loudly when the template lacks a variable we set', () => {
    const base = loadEcsBaseTemplate();
    delete (base.variables.properties as Record<string, unknown>).prefect_api_auth_string_secret_arn;
    expect(() => renderEcsJobTemplate(base, ecsJobDefaults(config, outputs, 'img'))).toThrow(
      /the ECS base job template has no variable\(s\) prefect_api_auth_string_secret_arn/,
    );
  });

  it('pins the image by digest when one is known, else uses the configured tag', () => {
    const repo = '111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data';
    expect(resolveImage(config, { digest: DIGEST, repositoryUrl: repo })).toEqual({ reference: `${repo}@${DIGEST}`, source: '--image-digest' });
    expect(resolveImage(config, { repositoryUrl: repo })).toEqual({ reference: `${repo}:prefect-3-python3.12-ecs`, source: 'config tag' });
    expect(resolveImage(config, {}).reference).toBe('111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data:prefect-3-python3.12-ecs');
    expect(() => resolveImage(config, { digest: 'sha256:nope' })).toThrow(/--image-digest "sha256:nope" is not sha256:<64 hex>/);
  });

  it('pins what image-builder pushed, warns about a foreign registry and refuses the deployer image', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'image-result-'));
    const file = path.join(dir, 'image.json');
    const repo = '111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data';
    try {
      writeFileSync(file, JSON.stringify({ image: 'prefect-base', repository: '127.0.0.1:5000/blog-data', digest: DIGEST, reference: `127.0.0.1:5000/blog-data@${DIGEST}` }));
      const local = resolveImage(config, { imageResultFile: file, repositoryUrl: repo });
      expect(local.reference).toBe(`127.0.0.1:5000/blog-data@${DIGEST}`);
      expect(local.warning).toMatch(/is not infra's ecr_repository_url/);

      writeFileSync(file, JSON.stringify({ image: 'prefect-base', digest: DIGEST, reference: `${repo}@${DIGEST}` }));
      expect(resolveImage(config, { imageResultFile: file, repositoryUrl: repo })).toEqual({ reference: `${repo}@${DIGEST}`, source: '--image-result' });

      writeFileSync(file, JSON.stringify({ image: 'flows-deployer', digest: DIGEST, reference: `${repo}@${DIGEST}` }));
      expect(() => resolveImage(config, { imageResultFile: file })).toThrow(/the image result is for the flows-deployer image/);

      // Read through config's imageResultSchema: each missing or mistyped field named, with the file.
      writeFileSync(file, JSON.stringify({ image: 'prefect-base', status: 'built', tags: ['x'], reference: 'blog-data:latest' }));
      const problems = problemsOf(() => resolveImage(config, { imageResultFile: file }));
      expect(problems).toEqual([
        { what: 'digest: missing', where: file, fix: expect.stringContaining('image-builder publish --output') },
        { what: 'reference: must be <repository>@sha256:<64 hex>', where: file, fix: expect.any(String) },
      ]);

      writeFileSync(file, JSON.stringify({ image: 'prefect-base', digest: DIGEST, reference: `${repo}@sha256:${'b'.repeat(64)}` }));
      expect(() => resolveImage(config, { imageResultFile: file })).toThrow(/does not pin digest/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names every missing or malformed output at once', () => {
    // Parsed with a .pick() of config's platformOutputsSchema: one problem per field, naming the file.
    const problems = problemsOf(() => poolOutputs({ vpc_id: 'not-a-vpc', task_subnet_ids: [] }, 'outputs.json'));
    expect(problems.map((p) => p.what)).toEqual(
      expect.arrayContaining(['ecs_cluster_arn: missing', 'vpc_id: must be a vpc-… id', 'task_subnet_ids: must list at least one subnet', 'assign_public_ip: missing']),
    );
    expect(problems.every((p) => p.where === 'outputs.json')).toBe(true);
  });

  it('accepts terraform output -json and flat maps alike', () => {
    expect(flattenOutputs({ a: { value: 1, type: 'number', sensitive: false }, b: 'x', c: { value: 2 } })).toEqual({ a: 1, b: 'x', c: { value: 2 } });
  });
});

describe('work pool plan', () => {
  it('creates a missing pool', () => {
    expect(planWorkPool('blog-data-pool', render(), undefined).action).toBe('create');
  });

  it('is unchanged when the server has the same template with keys in another order', () => {
    const template = render();
    const reordered = JSON.parse(JSON.stringify({ variables: template.variables, job_configuration: template.job_configuration }));
    expect(planWorkPool('blog-data-pool', template, poolResponse(reordered))).toMatchObject({ action: 'unchanged', changes: [] });
  });

  it('reports only the variables that differ', () => {
    const plan = planWorkPool('blog-data-pool', render(`repo@${DIGEST}`), poolResponse(render('repo:tag')));
    expect(plan.action).toBe('update');
    expect(plan.changes).toEqual([{ path: 'variables.properties.image.default', before: 'repo:tag', after: `repo@${DIGEST}` }]);
  });

  it('refuses a pool of another type', () => {
    expect(() => planWorkPool('blog-data-pool', render(), poolResponse({}, 'process'))).toThrow(/exists with type "process", not "ecs"/);
  });
});

describe('reading infra outputs', () => {
  it('takes the base64 form infra gives the one-off deployer task, and inline JSON', () => {
    const json = JSON.stringify(TERRAFORM_OUTPUTS);
    const fromBase64 = readInfraOutputs(`${BASE64_PREFIX}${Buffer.from(json).toString('base64')}`, 'FLOWS_DEPLOYER_INFRA_OUTPUTS');
    expect(fromBase64).toEqual(flattenOutputs(TERRAFORM_OUTPUTS));
    expect(readInfraOutputs(json)).toEqual(fromBase64);
  });

  it('names the variable when the base64 form does not hold JSON', () => {
    expect(() => readInfraOutputs(`${BASE64_PREFIX}${Buffer.from('nope').toString('base64')}`, 'FLOWS_DEPLOYER_INFRA_OUTPUTS')).toThrow(
      /infra outputs are not JSON.*FLOWS_DEPLOYER_INFRA_OUTPUTS/,
    );
  });
});

describe('the committed ECS base job template (Prefect 3.8.3)', () => {
  it('names the ECS template variables the pool defaults use', () => {
    const template = JSON.parse(readFileSync(path.join(__dirname, '..', 'templates', 'ecs-base-job-template-3.8.3.json'), 'utf8'));
    expect(Object.keys(template.variables.properties)).toEqual(
      expect.arrayContaining(['cluster', 'vpc_id', 'network_configuration', 'execution_role_arn', 'task_role_arn', 'image', 'prefect_api_auth_string_secret_arn', 'configure_cloudwatch_logs', 'cloudwatch_logs_options', 'cpu', 'memory']),
    );
    expect(template.job_configuration.prefect_api_auth_string_secret_arn).toBe('{{ prefect_api_auth_string_secret_arn }}');
  });
});
