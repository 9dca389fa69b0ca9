import { JsonFile, typescript } from 'projen';
import { VERSIONS } from './versions';
import { addWorkspacePackage, deployTarget, NPM_SCOPE, projenTarget } from './workspace-package';

const CONFIG = `${NPM_SCOPE}/config@workspace:*`;
/** Errors, exit codes, colour, tables, progress and the commander runner of every CLI. */
const CLI_KIT = `${NPM_SCOPE}/cli-kit@workspace:*`;
const COMMANDER = 'commander@^14.0.0';
/** Dev-only: the rule every integration test follows about missing services. */
const TEST_SUPPORT = `${NPM_SCOPE}/test-support@workspace:*`;
const PREFECT_API = `${NPM_SCOPE}/prefect-api@workspace:*`;
/** The one Registry HTTP API v2 client (image-builder publishes with it, ops' doctor checks with it). */
const OCI_REGISTRY = `${NPM_SCOPE}/oci-registry@workspace:*`;

/**
 * The dashboard page's build inputs (devDependencies: the built bundle is what ships).
 * The UI library's components break without a major release (its README), so it is pinned
 * exactly, at the version Prefect 3.8.3's own `ui/` uses; vue-router 5 does not fit it.
 */
const DASHBOARD_WEB_DEPS = [
  '@prefecthq/prefect-ui-library@3.15.0',
  '@prefecthq/prefect-design@^2.16.4',
  '@prefecthq/vue-charts@^2.1.1',
  '@prefecthq/vue-compositions@^1.12.2',
  'vee-validate@^4.15.1',
  'vue@^3.5.0',
  'vue-router@^4.6.0',
  'vite@^7.3.0',
  '@vitejs/plugin-vue@^6.0.0',
];
const ECS_ROLLOUT = `${NPM_SCOPE}/ecs-rollout@workspace:*`;

/** The workspace packages; data flows cli-kit → config → infra / image-builder / flows-deployer / ops. */
export function addPackages(root: typescript.TypeScriptProject) {
  const cliKit = addWorkspacePackage(root, {
    outdir: 'packages/cli-kit',
    nxName: 'cli-kit',
    scope: 'scope:base',
    description: 'One error type, exit codes, colour, tables, progress and the commander runner shared by every CLI',
    deps: [COMMANDER],
  });

  const config = addWorkspacePackage(root, {
    outdir: 'packages/config',
    nxName: 'config',
    scope: 'scope:shared',
    description: 'Typed, validated settings for every environment: the single source of truth',
    deps: [CLI_KIT, COMMANDER, 'zod@^4.1.0'],
    devDeps: [TEST_SUPPORT],
    bin: { 'platform-config': 'bin/platform-config.js' },
  });

  const testSupport = addWorkspacePackage(root, {
    outdir: 'packages/test-support',
    nxName: 'test-support',
    scope: 'scope:shared',
    description: 'Test helpers shared by the packages: real services are required under CI=true, never skipped',
    deps: [CLI_KIT],
  });

  const prefectApi = addWorkspacePackage(root, {
    outdir: 'packages/prefect-api',
    nxName: 'prefect-api',
    scope: 'scope:shared',
    description: 'The Prefect 3.8.3 REST API: its OpenAPI document, generated types, the client, and a contract test server',
    // ajv validates the contract server's traffic; it ships in the `testing` entry point.
    deps: [CLI_KIT, 'openapi-fetch@^0.15.0', 'ajv@^8.17.1', 'ajv-formats@^3.0.1'],
    devDeps: [TEST_SUPPORT, 'openapi-typescript@^7.10.0'],
    jestConfig: { testTimeout: 60_000 },
  });
  configurePrefectApi(prefectApi);
  const ociRegistry = addWorkspacePackage(root, {
    outdir: 'packages/oci-registry',
    nxName: 'oci-registry',
    scope: 'scope:shared',
    description: 'Registry HTTP API v2 client: manifests, indexes, config blobs, tag copy, platform check (Docker and OCI media types, ECR redirects)',
    deps: [CLI_KIT],
    devDeps: [TEST_SUPPORT],
  });
  // Shared: running a one-off ECS task to completion and rolling a service, used by infra's
  // server rollout (migration task first) and by any deploy orchestrator.
  const ecsRollout = addWorkspacePackage(root, {
    outdir: 'packages/ecs-rollout',
    nxName: 'ecs-rollout',
    scope: 'scope:shared',
    description: 'Runs one-off ECS tasks to completion and rolls ECS services, waiting for the outcome',
    deps: [CLI_KIT, '@aws-sdk/client-ecs@^3.900.0'],
    devDeps: [TEST_SUPPORT, '@aws-sdk/client-ec2@^3.900.0'],
    jestConfig: { testTimeout: 120_000 },
  });

  const infra = addWorkspacePackage(root, {
    outdir: 'packages/infra',
    nxName: 'infra',
    scope: 'scope:infra',
    description: 'CDKTF stacks for the self-hosted Prefect 3 platform on AWS',
    deps: [
      CLI_KIT,
      CONFIG,
      ECS_ROLLOUT,
      '@aws-sdk/client-ecs@^3.900.0',
      COMMANDER,
      `cdktf@${VERSIONS.cdktf}`,
      `constructs@${VERSIONS.constructs}`,
      `@cdktf/provider-aws@${VERSIONS.cdktfProviderAws}`,
    ],
    // The rehearsal reads the API password back from the emulator to prove no log or state holds it.
    // The rotation rehearsal drives EventBridge and Step Functions on the emulator.
    devDeps: [
      TEST_SUPPORT,
      '@aws-sdk/client-secrets-manager@^3.900.0',
      '@aws-sdk/client-eventbridge@^3.900.0',
      '@aws-sdk/client-sfn@^3.900.0',
      '@aws-sdk/client-cloudwatch-logs@^3.900.0',
    ],
    bin: { 'platform-infra': 'bin/platform-infra.js', 'platform-release': 'bin/platform-release.js' },
    jestConfig: { testTimeout: 600_000 },
    extraTargets: {
      // The platform stack only: the bootstrap stack (state bucket, OIDC, the CI roles themselves) is
      // applied by an admin, and the CI deploy role is deliberately unable to change it.
      // The outputs are what image-builder and flows-deployer read.
      deploy: deployTarget('infra', 'image-builder'),
    },
  });
  // Synthesized stacks, their .terraform dirs and the local-backend state of the rehearsal.
  infra.gitignore.exclude('cdktf.out/');
  infra.addTask('bench', { description: 'Synth time of all stacks vs. loading the provider barrel', exec: 'ts-node --transpile-only bench/synth-vs-barrel.ts' });

  const imageBuilder = addWorkspacePackage(root, {
    outdir: 'packages/image-builder',
    nxName: 'image-builder',
    scope: 'scope:app',
    description: 'Builds the linux/amd64 Prefect image through the Docker Engine API, pushes it to ECR and verifies it',
    deps: [
      CLI_KIT,
      CONFIG,
      OCI_REGISTRY,
      'tar-fs@^3.1.1',
      '@balena/dockerignore@^1.0.2',
      '@aws-sdk/client-ecr@^3.900.0',
      COMMANDER,
    ],
    devDeps: ['@types/tar-fs@^2.0.4', TEST_SUPPORT, 'esbuild@0.28.2'],
    // A shell launcher that keeps Node from parsing NODE_EXTRA_CA_CERTS at start-up (see the file).
    bin: { 'image-builder': 'bin/image-builder' },
    jestConfig: { testTimeout: 600_000 },
    extraTargets: {
      // Both images (Prefect, and the one-off deployer task's), first: infra pins their digests.
      deploy: deployTarget('image-builder'),
    },
  });
  // Each image's folder is an Nx project of its own, so that a Dockerfile change marks the project
  // that publishes it affected (Nx maps changed files to projects by directory).
  for (const [dir, name] of [['prefect-base', 'prefect-base-image'], ['flows-deployer', 'flows-deployer-image']]) {
    new JsonFile(root, `docker/${dir}/project.json`, {
      obj: { name, $schema: '../../node_modules/nx/schemas/project-schema.json', projectType: 'library', tags: ['scope:shared'], targets: {} },
    });
  }
  imageBuilder.tryFindObjectFile('project.json')?.addOverride('implicitDependencies', ['prefect-base-image']);
  // The CLI runs from bundled files (see scripts/bundle-cli.ts): resolving and reading ~300 small
  // module files cost every publish tens of ms, part of it before its build could start.
  imageBuilder.compileTask.exec('ts-node --transpile-only -P scripts/tsconfig.json scripts/bundle-cli.ts');
  imageBuilder.addTask('bench', {
    description: 'Publish vs docker build + docker push (cold, no-op, last-layer change, retag) on a ~400 MB and a small fixture; fails when a target of #18 is missed; needs the test services',
    exec: 'ts-node --transpile-only bench/publish.ts',
    receiveArgs: true,
  });
  root.addTask('image:publish', {
    description: 'Build, push and verify the Prefect image for PLATFORM_ENV (image-builder publish)',
    exec: 'packages/image-builder/bin/image-builder publish',
    receiveArgs: true,
  });

  const flowsDeployer = addWorkspacePackage(root, {
    outdir: 'apps/flows-deployer',
    nxName: 'flows-deployer',
    scope: 'scope:app',
    description: 'Ensures the ECS work pool and registers Prefect flows and deployments from prefect.yaml',
    deps: [CLI_KIT, CONFIG, PREFECT_API, 'openapi-fetch@^0.15.0', 'yaml@^2.8.1', 'js-yaml@^4.1.0', 'zod@^4.1.0', COMMANDER, '@aws-sdk/client-s3@^3.900.0', '@lezer/python@^1.1.19', '@lezer/common@^1.2.0'],
    devDeps: ['ajv@^8.17.1', 'ajv-formats@^3.0.1', '@types/js-yaml@^4.0.9', TEST_SUPPORT],
    bin: { 'flows-deployer': 'bin/flows-deployer.js' },
    extraTargets: {
      // Applies the flows with infra's outputs and the image digest (packages/delivery), after
      // infra has pinned the ECS deployer task to the deployer image this run published.
      deploy: deployTarget('flows-deployer', 'infra'),
    },
  });
  // The deployer image is built from this app (docker/flows-deployer): a change to either makes
  // the flows deploy, whose chain publishes it and has infra pin the deployer task to its digest.
  // A new Prefect image re-pins the work pool's job template, so it makes the flows deploy too.
  flowsDeployer.tryFindObjectFile('project.json')?.addOverride('implicitDependencies', ['flows-deployer-image', 'image-builder']);
  // `pnpm --filter @blog-data/flows-deployer start -- plan`
  flowsDeployer.package.setScript('start', 'node bin/flows-deployer.js');
  const flowsDeployerBench = flowsDeployer.addTask('bench', {
    description: '100 deployments on Aurora-like, SQLite-like and serial servers (times, 503s, writes); peak RSS of 10,000 deployments',
  });
  flowsDeployerBench.exec('ts-node --transpile-only -P bench/tsconfig.json bench/apply-100.ts');
  // Runs the compiled CLI (lib/) in its own process, as the ECS task does; scripts/bench.sh builds first.
  flowsDeployerBench.exec('ts-node --transpile-only -P bench/tsconfig.json bench/apply-10000-memory.ts');

  const delivery = addWorkspacePackage(root, {
    outdir: 'packages/delivery',
    nxName: 'delivery',
    scope: 'scope:app',
    description: 'Deploys what changed in delivery order (images → infra → flows): the steps behind nx affected -t deploy',
    deps: [CLI_KIT, CONFIG, ECS_ROLLOUT, 'zod@^4.1.0', COMMANDER, '@aws-sdk/client-s3@^3.900.0', '@aws-sdk/client-ecs@^3.900.0', '@aws-sdk/client-secrets-manager@^3.900.0'],
    devDeps: [TEST_SUPPORT, PREFECT_API],
    bin: { 'platform-deploy': 'bin/platform-deploy.js' },
    jestConfig: { testTimeout: 600_000 },
  });
  delivery.addTask('bench', {
    description: 'What an image-only deploy costs beyond the publish (Nx affected, step starts, infra decision); fails above its target; needs the AWS emulator',
    exec: 'ts-node --transpile-only bench/image-only-overhead.ts',
    receiveArgs: true,
  });
  // The flows step runs the deployer's compiled bin; its redaction test runs it for real. The
  // end-to-end test runs every deploy target in a copy of the workspace, whose builds come from
  // the Nx cache these builds fill.
  delivery.tryFindObjectFile('project.json')?.addOverride('targets.test.dependsOn', [
    'build',
    '^build',
    { projects: ['flows-deployer', 'infra', 'image-builder'], target: 'build' },
  ]);

  const ops = addWorkspacePackage(root, {
    outdir: 'packages/ops',
    nxName: 'ops',
    scope: 'scope:app',
    description: 'Operations CLI for a running environment: doctor, cost and logs',
    deps: [
      CLI_KIT,
      CONFIG,
      PREFECT_API,
      OCI_REGISTRY,
      COMMANDER,
      '@aws-sdk/client-ecs@^3.900.0',
      '@aws-sdk/client-elastic-load-balancing-v2@^3.900.0',
      '@aws-sdk/client-rds@^3.900.0',
      '@aws-sdk/client-ec2@^3.900.0',
      '@aws-sdk/client-ecr@^3.900.0',
      '@aws-sdk/client-secrets-manager@^3.900.0',
      '@aws-sdk/client-cloudwatch-logs@^3.900.0',
      '@aws-sdk/client-sns@^3.900.0',
      '@aws-sdk/client-application-auto-scaling@^3.900.0',
      '@aws-sdk/client-pricing@^3.900.0',
      'zod@^4.1.0',
    ],
    devDeps: [TEST_SUPPORT, ...DASHBOARD_WEB_DEPS, 'playwright-core@^1.56.0'],
    bin: { 'platform-ops': 'bin/platform-ops.js' },
    jestConfig: { testTimeout: 120_000 },
  });
  // The dashboard page (web/, Vue 3 + Vite) is built into lib/ with the package, so Nx caches it
  // with the build and `platform-ops dashboard` serves it without a build step of its own.
  ops.gitignore.exclude('test-artifacts/');
  ops.compileTask.exec('vite build --config web/vite.config.ts --logLevel warn');

  // The local rehearsal's step runner (README command 1): only Node's own modules, so that
  // scripts/rehearse.sh can compile it in a second, before the workspace build it runs as a step.
  const rehearsal = addWorkspacePackage(root, {
    outdir: 'packages/rehearsal',
    nxName: 'rehearsal',
    scope: 'scope:app',
    description: 'The local rehearsal: each step of the delivery path on the AWS emulator, reported one line per step',
    deps: [CLI_KIT],
    bin: { 'platform-rehearse': 'bin/platform-rehearse.js' },
    jestConfig: { testTimeout: 60_000 },
  });
  rehearsal.addTask('bench', {
    description: 'A re-run of a kept rehearsal with nothing changed: under 60 s and 60 lines, verdict last; fails when missed',
    exec: 'ts-node --transpile-only bench/warm-rerun.ts',
    receiveArgs: true,
  });

  return {
    cliKit, config, testSupport, prefectApi, ociRegistry, ecsRollout, infra, imageBuilder, flowsDeployer, delivery, ops, rehearsal, projenTarget,
  };
}

/**
 * The Prefect API package: a `testing` entry point next to the main one (the contract server is
 * used only by tests, but by several packages), the generated types marked as such, and the
 * task that regenerates them from the OpenAPI document.
 */
function configurePrefectApi(project: typescript.TypeScriptProject) {
  project.package.addField('exports', {
    '.': { types: './lib/index.d.ts', default: './lib/index.js' },
    './testing': { types: './lib/testing/index.d.ts', default: './lib/testing/index.js' },
  });
  // The workspace compiles with moduleResolution "node", which ignores `exports`; this maps the
  // subpath for the type checker the same way.
  project.package.addField('typesVersions', { '*': { testing: ['lib/testing/index.d.ts'] } });
  project.gitattributes.addAttributes('/src/generated/**', 'linguist-generated');
  project.addTask('generate:api', {
    description: 'Regenerate src/generated/ from the committed Prefect OpenAPI document (openapi-typescript)',
    exec: 'ts-node --transpile-only scripts/generate-types.ts',
    receiveArgs: true,
  });
}
