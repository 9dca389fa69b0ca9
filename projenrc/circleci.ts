import { typescript, YamlFile } from 'projen';

/** Pinned orb versions: the Node orb installs Node and pnpm, the Nx orb computes the affected base. */
const ORBS = { node: 'circleci/node@7.1.0', nx: 'nrwl/nx@1.7.0' };

/**
 * `.circleci/config.yml`. Every push runs lint, build and test of what changed since the last
 * green build on main (nx/set-shas). The machine executor gives root and a kernel, so the same
 * scripts/test.sh that CI here runs can start its own dockerd, registry and AWS emulator.
 */
export function configureCircleCi(root: typescript.TypeScriptProject): YamlFile {
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
          steps: [
            'checkout',
            { 'node/install': { 'node-version': '20.19' } },
            restorePnpmStore,
            { run: { name: 'Install', command: 'pnpm config set store-dir ~/.pnpm-store 2>/dev/null || true; bash scripts/bootstrap.sh' } },
            savePnpmStore,
            { 'nx/set-shas': { 'main-branch-name': 'main' } },
          ],
        },
      },
      jobs: {
        check: {
          executor: 'linux',
          steps: [
            'setup',
            {
              run: {
                name: 'Lint, build and test what changed',
                // Root for the test services' own dockerd; PATH keeps the orb's Node and pnpm.
                command: 'sudo -E env "PATH=$PATH" bash scripts/test.sh --affected --base=$NX_BASE --head=$NX_HEAD',
                no_output_timeout: '30m',
              },
            },
          ],
        },
      },
      workflows: {
        check: { jobs: ['check'] },
      },
    },
  });
}
