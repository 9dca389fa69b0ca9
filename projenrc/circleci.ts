import { typescript, YamlFile } from 'projen';
// The generator reads the same source of truth as every package (config's public index).
import { ENVIRONMENTS, EnvironmentName, loadConfig, namePrefix, PlatformConfig } from '../packages/config/src';

/**
 * Pinned orbs: Node installs Node and pnpm, Nx computes the affected base, aws-cli assumes the
 * OIDC roles ($CIRCLE_OIDC_TOKEN_V2 → sts:AssumeRoleWithWebIdentity; no long-lived keys).
 */
const ORBS = {
  'node': 'circleci/node@7.1.0',
  'nx': 'nrwl/nx@1.7.0',
  'aws-cli': 'circleci/aws-cli@5.1.1',
  'terraform': 'circleci/terraform@3.6.0',
};

/** Same terraform as the offline machines; the AWS emulator the integration tests use. */
const TOOLS = { terraform: '1.11.4', moto: '5.2.1' };

/** Root for apt and the test services' own dockerd; PATH keeps the orb's Node and pnpm. */
const AS_ROOT = 'sudo -E env "PATH=$PATH"';

/** AWS CLI profiles the deploy job writes; scripts/deploy-affected.sh picks one per project. */
export const DEPLOY_PROFILES = { deploy: 'blog-data-deploy', ecrPush: 'blog-data-ecr-push' } as const;

/** ARN of a role the infra bootstrap stack creates for CircleCI (see packages/infra ci-access). */
export function circleciRoleArn(config: PlatformConfig, role: 'deploy' | 'ecr-push'): string {
  return `arn:aws:iam::${config.aws.accountId}:role/${namePrefix(config)}-circleci-${role}`;
}

/** The deploy job of one environment: OIDC roles, then the affected deploy targets in order. */
function deployJob(config: PlatformConfig) {
  const assume = (role: 'deploy' | 'ecr-push', profile: string) => ({
    'aws-cli/setup': {
      role_arn: circleciRoleArn(config, role),
      profile_name: profile,
      region: config.aws.region,
      role_session_name: `circleci-${config.env}-${role}`,
      session_duration: '3600',
    },
  });
  return {
    executor: 'linux',
    environment: {
      PLATFORM_ENV: config.env,
      DEPLOY_AWS_PROFILE: DEPLOY_PROFILES.deploy,
      ECR_PUSH_AWS_PROFILE: DEPLOY_PROFILES.ecrPush,
    },
    steps: [
      { setup: { 'deploy-branch': config.circleci.deployBranch } },
      assume('deploy', DEPLOY_PROFILES.deploy),
      assume('ecr-push', DEPLOY_PROFILES.ecrPush),
      {
        run: {
          name: `Deploy what changed to ${config.env}`,
          command: `${AS_ROOT} bash scripts/deploy-affected.sh --base=$NX_BASE --head=$NX_HEAD`,
          no_output_timeout: '45m',
        },
      },
    ],
  };
}

/** Deploy jobs for every environment, each only on its branch; prod waits for an approval. */
function deployWorkflowJobs(configs: PlatformConfig[]) {
  const jobs: unknown[] = [];
  for (const config of configs) {
    const filters = { branches: { only: [config.circleci.deployBranch] } };
    let requires = ['check'];
    if (config.circleci.requireApproval) {
      jobs.push({ [`approve-${config.env}`]: { type: 'approval', requires, filters } });
      requires = [`approve-${config.env}`];
    }
    jobs.push({ [`deploy-${config.env}`]: { requires, filters } });
  }
  return jobs;
}

/**
 * `.circleci/config.yml`. Every push runs lint, build and test of what changed since the last
 * green build on main (nx/set-shas). The machine executor gives root and a kernel, so the same
 * scripts/test.sh that CI here runs can start its own dockerd, registry and AWS emulator.
 */
export function configureCircleCi(root: typescript.TypeScriptProject): YamlFile {
  const configs = ENVIRONMENTS.map((env: EnvironmentName) => loadConfig({ env, environ: {} }));
  const restorePnpmStore = {
    restore_cache: {
      name: 'Restore pnpm store',
      keys: ['pnpm-store-v1-{{ checksum "pnpm-lock.yaml" }}', 'pnpm-store-v1-'],
    },
  };
  const savePnpmStore = {
    save_cache: {
      name: 'Save pnpm store',
      key: 'pnpm-store-v1-{{ checksum "pnpm-lock.yaml" }}',
      paths: ['~/.pnpm-store'],
    },
  };
  return new YamlFile(root, '.circleci/config.yml', {
    obj: {
      version: 2.1,
      orbs: ORBS,
      executors: {
        linux: {
          machine: { image: 'ubuntu-2404:current' },
          resource_class: 'medium',
          environment: { CHECKPOINT_DISABLE: '1', NX_NO_CLOUD: 'true' },
        },
      },
      commands: {
        setup: {
          description: 'Node 20, pnpm store cache, workspace install and the Nx base/head SHAs',
          parameters: {
            'deploy-branch': {
              type: 'string',
              default: 'main',
              description: 'Branch whose last green build is the affected base',
            },
          },
          steps: [
            'checkout',
            { 'node/install': { 'node-version': '20.19' } },
            restorePnpmStore,
            { 'terraform/install': { terraform_version: TOOLS.terraform } },
            { run: { name: 'AWS emulator', command: `${AS_ROOT} python3 -m pip install --quiet 'moto[server]==${TOOLS.moto}'` } },
            {
              run: {
                name: 'Install',
                command: `pnpm config set store-dir ~/.pnpm-store && ${AS_ROOT} bash scripts/bootstrap.sh`,
              },
            },
            savePnpmStore,
            { 'nx/set-shas': { 'main-branch-name': '<< parameters.deploy-branch >>' } },
          ],
        },
      },
      jobs: {
        check: {
          executor: 'linux',
          steps: [
            { setup: {} },
            {
              run: {
                name: 'Lint, build and test what changed',
                command: `${AS_ROOT} bash scripts/test.sh --affected --base=$NX_BASE --head=$NX_HEAD`,
                no_output_timeout: '30m',
              },
            },
          ],
        },
        ...Object.fromEntries(configs.map((c) => [`deploy-${c.env}`, deployJob(c)])),
      },
      workflows: {
        'check-and-deploy': { jobs: ['check', ...deployWorkflowJobs(configs)] },
      },
    },
  });
}
