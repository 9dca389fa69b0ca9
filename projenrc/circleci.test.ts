import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { circleciRoleArn, deployContext } from './circleci';
import { ENVIRONMENTS, loadConfig } from '../packages/config/src';

const text = readFileSync(join(__dirname, '..', '.circleci', 'config.yml'), 'utf8');
const circle = parse(text);

/** The workflow job entry named `name` (`{ name: options }` or a bare string). */
function workflowJob(name: string): Record<string, any> {
  for (const entry of circle.workflows['check-and-deploy'].jobs) {
    if (entry === name) return {};
    if (typeof entry === 'object' && name in entry) return entry[name];
  }
  throw new Error(`workflow job ${name} not found`);
}

/** Every `run` command of a job, with the setup command's steps expanded. */
function commandsOf(job: string): string[] {
  const steps = [...circle.commands.setup.steps, ...circle.jobs[job].steps];
  return steps.filter((s: any) => s.run).map((s: any) => (typeof s.run === 'string' ? s.run : s.run.command));
}

describe('.circleci/config.yml', () => {
  it('pins every orb to a version', () => {
    for (const ref of Object.values<string>(circle.orbs)) expect(ref).toMatch(/@\d+\.\d+\.\d+$/);
  });

  it('checks every push: affected lint, build and test after nx/set-shas and a cached pnpm install', () => {
    expect(workflowJob('check')).toEqual({});
    const setup = circle.commands.setup.steps.map((s: any) => (typeof s === 'string' ? s : Object.keys(s)[0]));
    expect(setup.indexOf('restore_cache')).toBeLessThan(setup.indexOf('save_cache'));
    expect(setup.slice(-2)).toEqual(['when', 'unless']); // empty-tree base with deploy-all, else nx/set-shas
    expect(JSON.stringify(circle.commands.setup.steps.at(-1))).toContain('nx/set-shas');
    expect(commandsOf('check').join('\n')).toContain('scripts/test.sh --affected --base=$NX_BASE --head=$NX_HEAD');
  });

  it('is valid against CircleCI\'s published config schema', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, 'testing', 'circleci-config.schema.json'), 'utf8'));
    const validate = addFormats(new Ajv({ strict: false, allErrors: true })).compile(schema);
    expect(validate(circle) ? [] : validate.errors).toEqual([]);
  });

  it('is refused by that schema when a key is misspelt (the check can fail)', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, 'testing', 'circleci-config.schema.json'), 'utf8'));
    const validate = addFormats(new Ajv({ strict: false })).compile(schema);
    const broken = { ...circle, jobs: { ...circle.jobs, check: { ...circle.jobs.check, step: circle.jobs.check.steps } } };
    expect(validate(broken)).toBe(false);
  });

  it('deploys staging from staging-v2 and prod from main behind an approval, one deploy per environment at a time', () => {
    const deploy = (env: 'staging' | 'prod', requires: string, branch: string) => ({
      'requires': [requires],
      'filters': { branches: { only: [branch] } },
      'context': [`blog-data-${env}-deploy`],
      'serial-group': `<< pipeline.project.slug >>/deploy-${env}`,
    });
    expect(workflowJob('deploy-staging')).toEqual(deploy('staging', 'check', 'staging-v2'));
    expect(workflowJob('approve-prod')).toEqual({
      type: 'approval',
      requires: ['check'],
      filters: { branches: { only: ['main'] } },
    });
    expect(workflowJob('deploy-prod')).toEqual(deploy('prod', 'approve-prod', 'main'));
  });

  it.each(ENVIRONMENTS)('deploy-%s assumes its two OIDC roles for 3 h and runs nx affected -t deploy from a strict base', (env) => {
    const config = loadConfig({ env, environ: {} });
    const job = circle.jobs[`deploy-${env}`];
    expect(job.environment.PLATFORM_ENV).toBe(env);
    const setups = job.steps.filter((s: any) => s['aws-cli/setup']).map((s: any) => s['aws-cli/setup']);
    expect(setups.map((s: any) => s.role_arn)).toEqual([circleciRoleArn(config, 'deploy'), circleciRoleArn(config, 'ecr-push')]);
    expect(setups.map((s: any) => s.session_duration)).toEqual(['10800', '10800']);
    expect(setups.map((s: any) => s.set_aws_env_vars)).toEqual([false, false]);
    expect(job.steps[0]).toEqual({ setup: { 'deploy-branch': config.circleci.deployBranch, 'strict-base': true } });
    expect(workflowJob(`deploy-${env}`).context).toEqual([deployContext(config)]);
    expect(commandsOf(`deploy-${env}`).join('\n')).toContain('pnpm nx affected -t deploy --base=$NX_BASE --head=$NX_HEAD');
    expect(commandsOf(`deploy-${env}`).join('\n')).not.toMatch(/deploy-affected|sudo .*deploy/);
  });

  it('references no long-lived AWS key anywhere', () => {
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_access_key/i);
  });
});
