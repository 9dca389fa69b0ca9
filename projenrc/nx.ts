import { JsonFile, typescript } from 'projen';

/**
 * `nx.json`: which targets are cached and in what order they run. `build`
 * waits for the builds of dependencies, `test` and `lint` for a built
 * dependency graph; `deploy` targets chain images → infra → flows themselves.
 */
export function configureNx(root: typescript.TypeScriptProject): void {
  new JsonFile(root, 'nx.json', {
    obj: {
      $schema: './node_modules/nx/schemas/nx-schema.json',
      cacheDirectory: '.nx/cache',
      defaultBase: 'main',
      parallel: 2,
      // No Nx Cloud: nothing here connects to it, and its advertisement after each run is noise
      // (the rehearsal and scripts also set NX_NO_CLOUD=true, which stops the messages themselves).
      neverConnectToCloud: true,
      // Projects come from project.json files only; package.json scripts are projen's.
      plugins: [],
      namedInputs: {
        default: ['{projectRoot}/**/*', 'sharedGlobals'],
        production: [
          'default',
          '!{projectRoot}/test/**/*',
          '!{projectRoot}/bench/**/*',
          '!{projectRoot}/**/*.md',
        ],
        sharedGlobals: ['{workspaceRoot}/tsconfig.base.json', '{workspaceRoot}/pnpm-lock.yaml'],
      },
      targetDefaults: {
        build: {
          dependsOn: ['^build'],
          inputs: ['production', '^production'],
          cache: true,
        },
        test: {
          dependsOn: ['build', '^build'],
          inputs: ['default', '^production', { env: 'CI' }],
          cache: true,
        },
        lint: {
          dependsOn: ['^build'],
          inputs: ['default', '{workspaceRoot}/.eslintrc.json'],
          cache: true,
        },
        // Each deploy target names its own order (workspace-package.ts deployTarget); never cached.
        deploy: {
          cache: false,
        },
      },
    },
  });
}
