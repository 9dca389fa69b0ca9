import { javascript, JsonFile, typescript } from 'projen';
import { VERSIONS } from './versions';

/**
 * The workspace root: owns the single pnpm install, the shared compiler
 * settings (`tsconfig.base.json`), the Nx toolchain and the repository-level
 * tasks that the README documents.
 */
export function createRoot(): typescript.TypeScriptProject {
  const root = new typescript.TypeScriptProject({
    name: 'prefect-aws-platform',
    description: 'Provision, build and deploy a self-hosted Prefect 3 platform on AWS',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.PNPM,
    pnpmVersion: VERSIONS.pnpm,
    minNodeVersion: VERSIONS.minNode,
    typescriptVersion: VERSIONS.typescript,
    pnpmOptions: {
      workspaceYamlOptions: {
        packages: ['packages/*', 'apps/*'],
        // Install scripts pnpm 10 may run; everything else stays blocked.
        onlyBuiltDependencies: ['nx', 'cpu-features', 'ssh2', 'protobufjs'],
      },
    },
    projenrcTs: true,
    projenrcTsOptions: { projenCodeDir: 'projenrc' },
    github: false,
    release: false,
    package: false,
    licensed: false,
    sampleCode: false,
    prettier: false,
    // Root tests cover the generated workspace files (projenrc/*.test.ts); packages test themselves.
    jest: true,
    jestOptions: {
      jestVersion: VERSIONS.jest,
      updateSnapshot: javascript.UpdateSnapshot.NEVER,
      junitReporting: false,
      jestConfig: {
        testMatch: ['<rootDir>/projenrc/**/*.test.ts'],
        collectCoverage: false,
        // projenrc reads config from source; config's one dependency in the repo is read from source too.
        moduleNameMapper: { '^@blog-data/cli-kit$': '<rootDir>/packages/cli-kit/src' },
      },
    },
    // The root holds no library code: only the projenrc is compiled, through tsconfig.dev.json.
    disableTsconfig: true,
    eslint: true,
    eslintOptions: { dirs: ['projenrc'], commandOptions: { fix: false } },
    depsUpgrade: false,
    devDeps: [
      `nx@${VERSIONS.nx}`,
      `@types/node@${VERSIONS.nodeTypes}`,
      'yaml@^2.8.1',
      'zod@^4.1.0',
      // Validates the generated .circleci/config.yml against CircleCI's published schema (draft-07).
      'ajv@^8.17.1',
      // The schema's "uri" strings (orb URLs) are checked too, not ignored with a warning per compile.
      'ajv-formats@^3.0.1',
      '@nx/eslint-plugin@^23.2.1',
    ],
    tsconfigDev: {
      // As the packages (tsconfig.base.json): the projenrc compiles their sources it imports.
      compilerOptions: { target: 'ES2022', lib: ['ES2022'] },
      include: ['projenrc/**/*.ts', '.projenrc.ts'],
    },
    gitignore: [
      '.nx/cache',
      '.nx/workspace-data',
      'cdktf.out/',
      '.test-services/',
      '.rehearsal/',
      '.deploy/',
      '*.tfstate',
      '*.tfstate.*',
      '.terraform/',
    ],
  });

  addRepositoryTasks(root);

  new JsonFile(root, 'tsconfig.base.json', {
    obj: {
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node',
        lib: ['ES2022'],
        strict: true,
        noImplicitAny: true,
        noImplicitReturns: true,
        noImplicitThis: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        noFallthroughCasesInSwitch: true,
        alwaysStrict: true,
        declaration: true,
        esModuleInterop: true,
        experimentalDecorators: true,
        inlineSourceMap: true,
        inlineSources: true,
        resolveJsonModule: true,
        skipLibCheck: true,
        stripInternal: true,
      },
    },
  });

  return root;
}

/** The repository-level commands the README documents (`pnpm <task>`). */
function addRepositoryTasks(root: typescript.TypeScriptProject): void {
  root.testTask.reset('jest --passWithNoTests=false', { receiveArgs: true });
  // projenrc reads the environments through packages/config's source, which imports
  // @blog-data/cli-kit by its package name: compile that one small package first, so that
  // `pnpm exec projen` works in a fresh clone before any build.
  root.defaultTask?.prependExec('tsc -p packages/cli-kit/tsconfig.json');
  root.addTask('rehearse', {
    description: 'Local rehearsal: infra on the AWS emulator, image to a local registry, flows planned',
    exec: 'bash scripts/rehearse.sh',
    receiveArgs: true,
  });
  root.addTask('test:all', {
    description: 'Full test suite with the real services (Docker engine, registry, AWS emulator)',
    exec: 'bash scripts/test.sh',
    receiveArgs: true,
  });
  root.addTask('bench', {
    description: 'Every package benchmark (synth vs barrel, image publish, 100-deployment apply, image-only deploy overhead), with the test services',
    exec: 'bash scripts/bench.sh',
    receiveArgs: true,
  });
  root.addTask('services', {
    description: 'Start/stop the local test services: up | env | down | status',
    exec: 'bash scripts/test-services.sh',
    receiveArgs: true,
  });
}
