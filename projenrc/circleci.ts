import { typescript, YamlFile } from 'projen';
// The generator reads the same source of truth as every package (config's public index).
import { VERSIONS } from './versions';
import { ciRoleArn, ENVIRONMENTS, EnvironmentName, loadConfig, namePrefix, PlatformConfig } from '../packages/config/src';

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

/** The hash of git's empty tree: as a base, every file of HEAD counts as changed. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Pipeline parameter that deploys every project: the first deploy of an environment, and recovery. */
export const DEPLOY_ALL = 'deploy-all';

/** The workflow every job runs in; nx/set-shas looks for its last green run. */
const WORKFLOW = 'check-and-deploy';

/** AWS CLI profiles the deploy job writes; the deploy steps pick one per project. */
export const DEPLOY_PROFILES = { deploy: 'blog-data-deploy', ecrPush: 'blog-data-ecr-push' } as const;

/** ARN of a role the infra bootstrap stack creates for CircleCI: config derives the name, as infra does. */
export const circleciRoleArn = ciRoleArn;

/**
 * The restricted context of an environment's deploy job. It holds CIRCLE_API_TOKEN (nx/set-shas
 * reads the last green pipeline through the API) and is restricted to the deploy branch, so a
 * feature branch's job cannot read the token (README "Deploy to AWS for real").
 */
export function deployContext(config: PlatformConfig): string {
  return `${namePrefix(config)}-deploy`;
}

/** The deploy job of one environment: OIDC roles, then `nx affected -t deploy` (delivery order). */
function deployJob(config: PlatformConfig) {
  const assume = (role: 'deploy' | 'ecr-push', profile: string) => ({
    'aws-cli/setup': {
      role_arn: circleciRoleArn(config, role),
      profile_name: profile,
      region: config.aws.region,
      role_session_name: `circleci-${config.env}-${role}`,
      // Must not exceed the role's MaxSessionDuration (ci-access.ts); covers a first apply.
      session_duration: String(config.circleci.sessionSeconds),
      // Two profiles: the orb writes each one's keys to its own file, not to $BASH_ENV.
      set_aws_env_vars: false,
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
      // A deploy must never guess its base: no token or no green run is an error, not HEAD~1.
      { setup: { 'deploy-branch': config.circleci.deployBranch, 'strict-base': true } },
      assume('deploy', DEPLOY_PROFILES.deploy),
      assume('ecr-push', DEPLOY_PROFILES.ecrPush),
      {
        run: {
          name: `Deploy what changed to ${config.env}`,
          // As the job's user: the aws-cli orb wrote the profiles under this user's HOME.
          command: 'pnpm nx affected -t deploy --base=$NX_BASE --head=$NX_HEAD --output-style=static',
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
    jobs.push({
      [`deploy-${config.env}`]: {
        requires,
        filters,
        'context': [deployContext(config)],
        // One deploy of an environment at a time, across pipelines (two approved main pushes).
        'serial-group': `<< pipeline.project.slug >>/deploy-${config.env}`,
      },
    });
  }
  return jobs;
}

/**
 * `.circleci/config.yml`. Every push runs lint, build and test of what changed since the last
 * green build (nx/set-shas). The machine executor gives root and a kernel, so the same
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
  const deployAll = `<< pipeline.parameters.${DEPLOY_ALL} >>`;
  return new YamlFile(root, '.circleci/config.yml', {
    obj: {
      version: 2.1,
      orbs: ORBS,
      parameters: {
        [DEPLOY_ALL]: {
          type: 'boolean',
          default: false,
          description: 'Deploy every project, not only what changed (first deploy of an environment, recovery)',
        },
      },
      executors: {
        linux: {
          machine: { image: 'ubuntu-2404:current' },
          resource_class: 'medium',
          environment: { CHECKPOINT_DISABLE: '1', NX_NO_CLOUD: 'true' },
        },
      },
      commands: {
        setup: {
          description: 'Node 20 and pnpm, pnpm store cache, workspace install and the Nx base/head SHAs',
          parameters: {
            'deploy-branch': {
              type: 'string',
              default: 'main',
              description: 'Branch whose last green build is the affected base',
            },
            'strict-base': {
              type: 'boolean',
              default: false,
              description: 'Fail when the last green build cannot be found instead of falling back to HEAD~1',
            },
          },
          steps: [
            'checkout',
            // The orb installs pnpm only when asked (node orb 7.1.0, commands/install.yml).
            { 'node/install': { 'node-version': '20.19', 'install-pnpm': true, 'pnpm-version': VERSIONS.pnpm } },
            restorePnpmStore,
            {
              run: {
                name: 'Install',
                // As the job's user, so that later steps (and the deploy) own node_modules.
                command: 'pnpm config set store-dir ~/.pnpm-store && bash scripts/bootstrap.sh',
              },
            },
            savePnpmStore,
            {
              when: {
                condition: deployAll,
                steps: [
                  {
                    run: {
                      name: 'Nx base: the empty tree (deploy everything)',
                      command: `echo "export NX_BASE=${EMPTY_TREE}; export NX_HEAD=$(git rev-parse HEAD)" >> "$BASH_ENV"`,
                    },
                  },
                ],
              },
            },
            {
              unless: {
                condition: deployAll,
                steps: [
                  {
                    'nx/set-shas': {
                      'main-branch-name': '<< parameters.deploy-branch >>',
                      'workflow-name': WORKFLOW,
                      'error-on-no-successful-workflow': '<< parameters.strict-base >>',
                    },
                  },
                ],
              },
            },
          ],
        },
      },
      jobs: {
        check: {
          executor: 'linux',
          steps: [
            { setup: {} },
            { 'terraform/install': { terraform_version: TOOLS.terraform } },
            {
              run: {
                name: 'AWS emulator',
                // A virtualenv: Ubuntu 24.04's python refuses pip installs outside one (PEP 668).
                // --system-site-packages reuses what the image's python already has.
                command: [
                  'python3 -m venv --system-site-packages ~/.venvs/moto',
                  `~/.venvs/moto/bin/python -m pip install --quiet 'moto[server]==${TOOLS.moto}'`,
                  'echo \'export PATH="$HOME/.venvs/moto/bin:$PATH"\' >> "$BASH_ENV"',
                ].join('\n'),
              },
            },
            {
              // Debian packages of the test services (docker-registry, htpasswd, busybox) need root.
              run: { name: 'Test services', command: `${AS_ROOT} bash scripts/bootstrap.sh` },
            },
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
        [WORKFLOW]: { jobs: ['check', ...deployWorkflowJobs(configs)] },
      },
    },
  });
}
