import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { circleciRoleArn } from './circleci';
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
    expect(setup).toContain('nx/set-shas');
    expect(commandsOf('check').join('\n')).toContain('scripts/test.sh --affected --base=$NX_BASE --head=$NX_HEAD');
  });

  it('deploys staging from staging-v2 and prod from main behind an approval', () => {
    expect(workflowJob('deploy-staging')).toEqual({ requires: ['check'], filters: { branches: { only: ['staging-v2'] } } });
    expect(workflowJob('approve-prod')).toEqual({
      type: 'approval',
      requires: ['check'],
      filters: { branches: { only: ['main'] } },
    });
    expect(workflowJob('deploy-prod')).toEqual({ requires: ['approve-prod'], filters: { branches: { only: ['main'] } } });
  });

  it.each(ENVIRONMENTS)('deploy-%s assumes its two OIDC roles and deploys only what is affected', (env) => {
    const config = loadConfig({ env, environ: {} });
    const job = circle.jobs[`deploy-${env}`];
    expect(job.environment.PLATFORM_ENV).toBe(env);
    const roles = job.steps.filter((s: any) => s['aws-cli/setup']).map((s: any) => s['aws-cli/setup'].role_arn);
    expect(roles).toEqual([circleciRoleArn(config, 'deploy'), circleciRoleArn(config, 'ecr-push')]);
    expect(roles[0]).toBe(`arn:aws:iam::${config.aws.accountId}:role/blog-data-${env}-circleci-deploy`);
    expect(commandsOf(`deploy-${env}`).join('\n')).toContain('scripts/deploy-affected.sh --base=$NX_BASE --head=$NX_HEAD');
  });

  it('references no long-lived AWS key anywhere', () => {
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_access_key/i);
  });
});
