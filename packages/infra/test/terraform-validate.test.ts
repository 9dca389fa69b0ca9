import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '@blog-data/config';
import { Testing } from 'cdktf';
import { configFor, build } from './helpers';
import { offlineTerraformEnv, terraform } from './terraform';

/** The scale-out mode with the Aurora reader; `replication-group` swaps serverless Redis for nodes. */
const scaleOut = (kind: 'serverless' | 'replication-group') => ({ scale: { mode: 'scale-out', auroraReader: true, redis: { kind } } }) as const;

/** Every environment in both modes plus the variants the unit tests cover: domain, private subnets (NAT, endpoints), existing VPC. */
function variants() {
  return [
    ...ENVIRONMENTS.map((env) => ({ name: env, config: configFor(env) })),
    ...ENVIRONMENTS.map((env) => ({ name: `${env}-scale-out`, config: configFor(env, scaleOut(env === 'staging' ? 'replication-group' : 'serverless')) })),
    // The other endpoint of each environment: dev with its load balancer, staging and prod private
    // (no ALB, a Cloud Map name; scaled out too, where API autoscaling tracks CPU only).
    ...ENVIRONMENTS.map((env) => ({ name: `${env}-${env === 'dev' ? 'alb' : 'private'}`, config: configFor(env, { endpoint: env === 'dev' ? 'cloudfront' : 'private' }) })),
    { name: 'staging-private-scale-out', config: configFor('staging', { endpoint: 'private', ...scaleOut('serverless') }) },
    { name: 'dev-domain', config: configFor('dev', { endpoint: 'cloudfront', domain: { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' } }) },
    { name: 'dev-nat', config: configFor('dev', { network: { mode: 'create', privateSubnets: true, natGateway: true } }) },
    {
      name: 'dev-endpoints',
      config: configFor('dev', { network: { mode: 'create', privateSubnets: true, natGateway: false, vpcEndpoints: true } }),
    },
    {
      name: 'dev-existing-vpc',
      config: configFor('dev', {
        network: { mode: 'existing', vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0000000a', 'subnet-0000000b'], privateSubnetIds: [] },
      } as never),
    },
  ];
}

describe('terraform validate (offline, provider from the mirror)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-validate-'));
  const env = offlineTerraformEnv(work);
  const run = env ? it : it.skip;

  // Each stack becomes a module of one root, so terraform loads the (large) provider schema once:
  // one init and one validate for all stacks. Backends only apply to a root module, so they are dropped.
  run('accepts every synthesized stack of every environment and variant', () => {
    const root = path.join(work, 'validate');
    const stacks: [string, string][] = [];
    for (const v of variants()) {
      const app = build(v.config);
      stacks.push([`${v.name}-bootstrap`, Testing.synth(app.bootstrap)], [`${v.name}-platform`, Testing.synth(app.platform)]);
      if (v.name === 'dev' || v.name === 'dev-scale-out' || v.name === 'dev-alb') {
        const emulated = build(v.config, { backend: 'local', emulatorEndpoint: 'http://127.0.0.1:1' });
        stacks.push([`${v.name}-platform-emulator`, Testing.synth(emulated.platform)]);
      }
    }
    const modules: Record<string, { source: string }> = {};
    for (const [name, json] of stacks) {
      const stack = JSON.parse(json) as { terraform: { backend?: unknown } };
      delete stack.terraform.backend;
      fs.mkdirSync(path.join(root, name), { recursive: true });
      fs.writeFileSync(path.join(root, name, 'main.tf.json'), JSON.stringify(stack));
      modules[name] = { source: `./${name}` };
    }
    fs.writeFileSync(path.join(root, 'main.tf.json'), JSON.stringify({ module: modules }));

    const init = terraform(root, env!, 'init', '-backend=false', '-input=false', '-no-color');
    expect(init).toMatchObject({ status: 0 });
    const result = terraform(root, env!, 'validate', '-no-color', '-json');
    const report = JSON.parse(result.output) as {
      valid: boolean;
      diagnostics: { severity: string; summary: string; detail?: string; range?: { filename: string } }[];
    };
    const errors = report.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.range?.filename ?? ''}: ${d.summary} ${d.detail ?? ''}`);
    expect(errors).toEqual([]);
    expect(report.valid).toBe(true);
    expect(Object.keys(modules)).toHaveLength(2 * variants().length + 3);
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
});
