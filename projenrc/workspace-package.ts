import { execSync } from 'node:child_process';
import { javascript, JsonFile, typescript } from 'projen';
import { VERSIONS } from './versions';
import { ENVIRONMENTS } from '../packages/config/src';

/** Nx project tags; module-boundary rules in `.eslintrc.json` are written against them. */
export type ScopeTag = 'scope:base' | 'scope:shared' | 'scope:infra' | 'scope:app';

/** Options for one workspace package of the monorepo. */
export interface WorkspacePackageOptions {
  /** Directory relative to the repository root, e.g. `packages/config`. */
  readonly outdir: string;
  /** Nx project name (what `pnpm nx test <name>` takes). */
  readonly nxName: string;
  /** One-line description for package.json. */
  readonly description: string;
  /** Nx tag that places the package in the dependency rules. */
  readonly scope: ScopeTag;
  /** Runtime dependencies (`name@range`); workspace packages as `@blog-data/x@workspace:*`. */
  readonly deps?: string[];
  /** Development-only dependencies. */
  readonly devDeps?: string[];
  /** Executables this package installs, name → script path. */
  readonly bin?: Record<string, string>;
  /** Extra Nx targets (e.g. `deploy`), merged into the generated project.json. */
  readonly extraTargets?: Record<string, unknown>;
  /** Jest settings merged over the shared ones. */
  readonly jestConfig?: javascript.JestConfigOptions;
}

/**
 * Which scopes may depend on which: `cli-kit` (base) on nothing in the repo, shared libraries
 * (`config`, …) on base and each other, infra and apps only on base and shared packages, never
 * on each other. (An empty list would mean "on no tagged project at all".)
 */
export const DEP_CONSTRAINTS = [
  { sourceTag: 'scope:base', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:base', 'scope:shared'] },
  { sourceTag: 'scope:infra', onlyDependOnLibsWithTags: ['scope:base', 'scope:shared'] },
  { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:base', 'scope:shared'] },
];

/** npm scope shared by every workspace package. */
export const NPM_SCOPE = '@blog-data';

/**
 * Adds a TypeScript package to the monorepo: a projen subproject with the
 * shared compiler, jest and eslint settings, plus an Nx `project.json` with
 * build/test/lint targets that call the subproject's own projen tasks.
 */
export function addWorkspacePackage(
  root: typescript.TypeScriptProject,
  options: WorkspacePackageOptions,
): typescript.TypeScriptProject {
  const depth = options.outdir.split('/').length;
  const toRoot = Array(depth).fill('..').join('/');
  const project = new typescript.TypeScriptProject({
    parent: root,
    outdir: options.outdir,
    name: `${NPM_SCOPE}/${options.outdir.split('/').pop()}`,
    description: options.description,
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.PNPM,
    pnpmVersion: VERSIONS.pnpm,
    minNodeVersion: VERSIONS.minNode,
    typescriptVersion: VERSIONS.typescript,
    licensed: false,
    release: false,
    package: false,
    sampleCode: false,
    projenrcTs: false,
    prettier: false,
    deps: options.deps,
    devDeps: [`@types/node@${VERSIONS.nodeTypes}`, ...(options.devDeps ?? [])],
    bin: options.bin,
    // Only the declared executables; bin/ may hold helpers too.
    autoDetectBin: false,
    jest: true,
    jestOptions: {
      jestVersion: VERSIONS.jest,
      // Snapshots are asserted in CI, never rewritten silently.
      updateSnapshot: javascript.UpdateSnapshot.NEVER,
      junitReporting: false,
      jestConfig: {
        testMatch: ['<rootDir>/test/**/*.test.ts'],
        testTimeout: 30_000,
        collectCoverage: false,
        ...options.jestConfig,
      },
    },
    eslint: true,
    // Lint reports, never rewrites: CI must fail on a violation. Fix locally with `projen eslint --fix`.
    // One TypeScript program for every linted file (test/tsconfig.json includes src, test, scripts
    // and bench): the project service built one per tsconfig it found, ~30 % more lint CPU in CI.
    eslintOptions: {
      dirs: ['src'],
      devdirs: ['test', 'scripts', 'bench'],
      commandOptions: { fix: false },
      projectService: false,
      tsconfigPath: './test/tsconfig.json',
    },
    tsconfig: {
      extends: javascript.TypescriptConfigExtends.fromPaths([`${toRoot}/tsconfig.base.json`]),
      compilerOptions: { rootDir: 'src', outDir: 'lib', lib: ['ES2022'], target: 'ES2022' },
    },
    // test/tsconfig.json already extends ../tsconfig.json, which extends the base.
    tsconfigDev: {
      compilerOptions: {},
      include: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    },
  });

  // Transpile-only tests (no type check per test file). ts-jest takes this from the tests'
  // tsconfig; its own `isolatedModules` option is deprecated.
  project.tryFindObjectFile('test/tsconfig.json')?.addOverride('compilerOptions.isolatedModules', true);
  // Relative to test/ (the generated list names test/src/… and so on, which do not exist): what the
  // type check below covers, including scripts and benchmarks no test imports.
  project.tryFindObjectFile('test/tsconfig.json')?.addOverride('include', ['**/*.ts', '../src/**/*.ts', '../scripts/**/*.ts', '../bench/**/*.ts']);
  // So the types of tests, scripts and benchmarks are checked with lint: compile checks src only,
  // and eslint reports no compiler errors (15 had gathered unseen in infra's and ops' tests).
  const typecheck = project.addTask('typecheck', {
    description: 'Type-check src, test, scripts and bench (no output)',
    exec: 'tsc --noEmit -p test/tsconfig.json',
  });
  const lint = project.addTask('lint', { description: 'eslint, then the type check of every TypeScript file' });
  if (project.eslint) lint.spawn(project.eslint.eslintTask);
  lint.spawn(typecheck);

  // Every executable is also a root script, so it runs from the repository root as the READMEs
  // write it (`pnpm platform-ops doctor --env dev`) once the workspace is built.
  // A `.js` executable runs with node; any other (a shell launcher) runs as it is.
  for (const [name, path] of Object.entries(options.bin ?? {})) {
    root.package.setScript(name, path.endsWith('.js') ? `node ${options.outdir}/${path}` : `${options.outdir}/${path}`);
  }

  // Integration tests say why they skipped at the end of the run, not only in a console block
  // that scrolls away (packages/test-support, skip-reporter.ts).
  if (options.devDeps?.includes(`${NPM_SCOPE}/test-support@workspace:*`)) {
    project.jest?.addReporter(new javascript.JestReporter(`${NPM_SCOPE}/test-support/lib/skip-reporter.js`));
  }

  // Nx runs compile, test and eslint as separate cached targets, so `test` only runs jest.
  project.testTask.reset();
  project.testTask.exec('jest --passWithNoTests=false', { receiveArgs: true });
  // The AWS SDK's Node-version advisory is the same on every run; the supported range is in `engines`.
  project.testTask.env('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');

  // One install for the whole workspace, from the root: a subproject whose package.json changed
  // must refresh the shared lockfile, not install on its own. installDependencies is protected;
  // overriding it is how monorepo tooling (AWS PDK) does this too.
  (project.package as unknown as { installDependencies: () => void }).installDependencies = () => {
    const frozen = process.env.CI ? '--frozen-lockfile' : '--no-frozen-lockfile';
    execSync(`pnpm install ${frozen}`, { cwd: root.outdir, stdio: 'inherit' });
  };

  // Module boundaries: Nx checks imports against the project tags (see DEP_CONSTRAINTS).
  project.eslint?.addPlugins('@nx');
  project.eslint?.addRules({
    '@nx/enforce-module-boundaries': [
      'error',
      { enforceBuildableLibDependency: true, allow: [], depConstraints: DEP_CONSTRAINTS },
    ],
  });

  new JsonFile(project, 'project.json', {
    obj: {
      name: options.nxName,
      $schema: `${toRoot}/node_modules/nx/schemas/project-schema.json`,
      projectType: options.scope === 'scope:app' ? 'application' : 'library',
      sourceRoot: `${options.outdir}/src`,
      tags: [options.scope],
      targets: {
        build: projenTarget('compile', { outputs: ['{projectRoot}/lib'] }),
        test: projenTarget('test'),
        lint: projenTarget('lint'),
        ...options.extraTargets,
      },
    },
  });
  return project;
}

/** Where deploy steps leave what the next one reads (infra outputs, pushed image digests). */
export const DEPLOY_ARTIFACTS = '.deploy';

/**
 * An Nx `deploy` target: one step of `platform-deploy` (packages/delivery), run from the workspace
 * root for the environment in PLATFORM_ENV or `--configuration=<env>`. `upstream` is the deploy
 * step whose artifacts this one reads: Nx runs it first, and it is a no-op when it did not change,
 * so `nx affected -t deploy` keeps the delivery order without redeploying what is unchanged.
 */
export function deployTarget(project: string, upstream?: string) {
  return {
    executor: 'nx:run-commands',
    options: { command: `node packages/delivery/bin/platform-deploy.js step ${project}`, cwd: '{workspaceRoot}' },
    dependsOn: ['build', { projects: ['delivery'], target: 'build' }, ...(upstream ? [{ projects: [upstream], target: 'deploy' }] : [])],
    configurations: Object.fromEntries(ENVIRONMENTS.map((env) => [env, { env: { PLATFORM_ENV: env } }])),
  };
}

/** An Nx target that runs one of the package's projen tasks from its directory. */
export function projenTarget(task: string, extra: Record<string, unknown> = {}) {
  return {
    executor: 'nx:run-commands',
    options: { command: `projen ${task}`, cwd: '{projectRoot}' },
    ...extra,
  };
}
