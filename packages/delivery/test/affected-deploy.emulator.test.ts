import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { PrefectContractServer } from '@blog-data/prefect-api/testing';
import { describeWithServices, PrivateEmulator, startPrivateAwsEmulator, uniqueName } from '@blog-data/test-support';
import { ARTIFACT_FILES, readInfraOutputs } from '../src';
import { EMPTY_TREE, ScratchWorkspace, WORKSPACE } from './scratch-workspace';

/** The emulator's account (moto) and the region of dev. */
const ACCOUNT = '123456789012';
const REGION = 'eu-west-2';

/**
 * Offline stand-ins for the two Dockerfiles, whose base images (Prefect's, node's) cannot be pulled
 * here: the Prefect image is the rehearsal's (docker/rehearsal), the deployer's keeps its build
 * context (the repository root through Dockerfile.dockerignore) and copies the app, so a change to
 * the app changes the image. Everything after the Dockerfile is the real thing: build, ECR login on
 * the emulator, push to the local registry, verification, digests (packages/infra/README.md).
 */
const STAND_IN_DOCKERFILES = {
  'docker/prefect-base/Dockerfile': readFileSync(join(WORKSPACE, 'docker/rehearsal/Dockerfile'), 'utf8'),
  'docker/flows-deployer/Dockerfile': [
    '# Offline stand-in (packages/delivery/test/affected-deploy.emulator.test.ts): node cannot be pulled here.',
    'ARG BASE_IMAGE=local/busybox:amd64',
    'FROM ${BASE_IMAGE}',
    'COPY apps/flows-deployer/ /app/apps/flows-deployer/',
    '',
  ].join('\n'),
};

/** What image-builder's publish leaves in `.deploy/` (the fields this test reads). */
interface Published {
  readonly status: string;
  readonly digest: string;
  readonly reference: string;
  readonly repository: string;
}

/**
 * Issue 13, "Done when": `pnpm nx affected -t deploy --base=<ref>` — the command the CircleCI
 * deploy job runs (projenrc/circleci.ts) — in a scratch copy of this repository against a private
 * AWS emulator, with everything real from Nx down: the tasks' builds, the image publishes to the
 * local registry, the platform stack's terraform apply (S3 backend in the bootstrap bucket), the
 * server release, and the flows applied to the Prefect contract server (the public endpoint's flows
 * step; see PLATFORM_ENDPOINT below). The first deploy (empty-tree
 * base), then a deployer-only change (the deployer image is republished and the ECS deployer task
 * runs exactly its digest, read back with DescribeTaskDefinition), then the same deploy again (a
 * no-op). Each phase's wall time is printed.
 */
describeWithServices(
  'nx affected -t deploy on the AWS emulator (first deploy, deployer-only change, no-op re-run)',
  ['AWS_ENDPOINT_URL', 'TEST_REGISTRY', 'TEST_REGISTRY_USER', 'TEST_REGISTRY_PASSWORD', 'DOCKER_HOST', 'TF_CLI_CONFIG_FILE'],
  (svc) => {
    let emulator: PrivateEmulator;
    let prefect: PrefectContractServer;
    let scratch: ScratchWorkspace;
    let ecs: ECSClient;
    // Its own repository in the shared registry: the first publish really builds and pushes.
    const repositoryName = uniqueName('blog-data-e2e');
    let environ: NodeJS.ProcessEnv;
    const timings: string[] = [];

    beforeAll(async () => {
      const started = Date.now();
      // Its own emulator: services report their tasks running and the migration task runs to its
      // end (moto's state manager), as the rehearsal sets it up; the shared one stays untouched.
      emulator = await startPrivateAwsEmulator({ env: { MOTO_ECS_SERVICE_RUNNING: '1' } });
      await emulator.control('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition: { progression: 'manual', times: 1 } });
      // No auth string: the deployer sends the one infra generated into Secrets Manager.
      prefect = await PrefectContractServer.start();
      ecs = new ECSClient({ region: REGION, endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      scratch = ScratchWorkspace.create({ replace: STAND_IN_DOCKERFILES, runnable: true });
      environ = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TF_CLI_CONFIG_FILE: svc.TF_CLI_CONFIG_FILE,
        CHECKPOINT_DISABLE: '1',
        DOCKER_HOST: svc.DOCKER_HOST,
        // ECR's address does not resolve here: push to the local registry, logging in through the
        // emulator's ECR (GetAuthorizationToken; the registry's htpasswd holds its token).
        IMAGE_REGISTRY: svc.TEST_REGISTRY,
        PLATFORM_ENV: 'dev',
        PLATFORM_AWS__ACCOUNT_ID: ACCOUNT,
        PLATFORM_AWS__REGION: REGION,
        PLATFORM_IMAGE__REPOSITORY: repositoryName,
        // The flows go to the contract server (no Prefect runs here; the ALB's name does not resolve).
        PREFECT_API_URL: prefect.apiUrl,
        // The load-balancer shape, whose flows step runs the deployer here. Dev's default private
        // endpoint runs infra's deployer task in the VPC instead (test/deployer-task.test.ts); moto
        // cannot start that task (its RunTask needs a container-level memory) nor would it run it.
        PLATFORM_ENDPOINT: 'cloudfront',
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_TUI: 'false',
        // The workspace's build cache: the deploy targets depend on builds this test target has made.
        NX_CACHE_DIRECTORY: join(WORKSPACE, '.nx', 'cache'),
        CI: 'true',
      };
      // The admin's part, once per account (packages/infra/README.md): the bootstrap stack, which
      // holds the state bucket and the ECR repository.
      await run(['pnpm', 'nx', 'run', 'infra:build', '--output-style=static']);
      timings.push(`scratch copy and infra's build: ${seconds(started)}`);
      // No image exists yet (its repository is in this stack): the README's command as written.
      await run(['node', 'packages/infra/bin/platform-infra.js', 'apply', '--env', 'dev', '--stack', 'bootstrap', '--backend', 'local', '--auto-approve']);
      timings.push(`set-up with the bootstrap apply: ${seconds(started)}`);
    }, 15 * 60_000);

    afterAll(async () => {
      // eslint-disable-next-line no-console
      console.log(`nx affected -t deploy on the AWS emulator, wall time:\n  ${timings.join('\n  ')}`);
      ecs?.destroy();
      await prefect?.stop();
      await emulator?.stop();
      scratch?.remove();
    });

    /**
     * Runs a command in the scratch repository; its output (stdout and stderr), or an error with its
     * end. Asynchronous: this process must keep reading the private emulator's log pipe meanwhile.
     */
    function run(argv: readonly string[]): Promise<string> {
      const [cmd, ...args] = argv;
      const child = spawn(cmd!, args, { cwd: scratch.root, env: environ, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return new Promise((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => {
          if (code === 0) resolve(output);
          else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}:\n${output.slice(-6000)}`));
        });
      });
    }

    /** The deploy exactly as the CircleCI job types it, in the scratch repository at `head`. */
    async function deploy(base: string, head: string): Promise<{ output: string; seconds: string }> {
      const started = Date.now();
      const output = await run(['pnpm', 'nx', 'affected', '-t', 'deploy', `--base=${base}`, `--head=${head}`, '--output-style=static']);
      // eslint-disable-next-line no-control-regex
      return { output: output.replace(/\x1b\[[0-9;]*m/g, ''), seconds: seconds(started) };
    }

    const deployTasksRun = (output: string) => [...output.matchAll(/^> nx run ([\w-]+):deploy/gm)].map((m) => m[1]);
    const published = (file: string): Published => JSON.parse(readFileSync(join(scratch.root, file), 'utf8')) as Published;
    // Read as the flows step reads them: terraform's shape after an apply, the flat record after a reuse.
    const outputs = () => readInfraOutputs(scratch.root, 'dev');
    const deployerTask = async () => {
      const arn = outputs().deployer_task_definition_arn;
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      return { arn, revision: taskDefinition!.revision, images: taskDefinition!.containerDefinitions!.map((c) => c.image) };
    };
    const deployerRevisions = async () =>
      (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'blog-data-dev-deployer' }))).taskDefinitionArns ?? [];
    /**
     * The image as the task definitions pin it: the environment's ECR repository at the published
     * digest (the local registry stands in for ECR; the digest is the content's, the same in both).
     */
    const inEcr = (image: Published) => `${outputs().ecr_repository_url}@${image.digest}`;
    /** The registry's answer for a manifest (200: it holds exactly this image). */
    const manifestStatus = async (digest: string) => {
      const auth = Buffer.from(`${svc.TEST_REGISTRY_USER}:${svc.TEST_REGISTRY_PASSWORD}`).toString('base64');
      const res = await fetch(`http://${svc.TEST_REGISTRY}/v2/${repositoryName}/manifests/${digest}`, {
        method: 'HEAD',
        headers: { authorization: `Basic ${auth}`, accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
      });
      return res.status;
    };

    /** The flows step's work: the flows applied to the API (the contract server), pinned to the Prefect image's digest. */
    async function expectFlowsApplied(prefectImage: Published): Promise<void> {
      expect(outputs().endpoint).toBe('cloudfront');
      expect(prefect.workPools.size).toBe(1);
      expect(JSON.stringify([...prefect.workPools.values()])).toContain(prefectImage.digest);
      expect(prefect.deployments.size).toBeGreaterThan(0);
      expect(prefect.violations).toEqual([]);
    }

    let first: { prefect: Published; deployer: Published; revision: number | undefined };

    it('deploys everything on a first deploy (empty-tree base, no outputs yet): images, then infra, then the flows', async () => {
      const result = await deploy(EMPTY_TREE, scratch.base);
      timings.push(`first deploy (cold platform apply): ${result.seconds}`);
      expect(deployTasksRun(result.output)).toEqual(['image-builder', 'infra', 'flows-deployer']);
      expect(result.output).toContain('infra: apply — no record of an applied platform stack (first deploy)');

      const prefectImage = published(ARTIFACT_FILES.image);
      const deployerImage = published(ARTIFACT_FILES.deployerImage);
      expect([prefectImage.status, deployerImage.status]).toEqual(['pushed', 'pushed']);
      expect(await manifestStatus(deployerImage.digest)).toBe(200);

      const task = await deployerTask();
      expect(task.images).toEqual([inEcr(deployerImage)]);
      expect(outputs().deployer_image).toBe(inEcr(deployerImage));
      await expectFlowsApplied(prefectImage);
      first = { prefect: prefectImage, deployer: deployerImage, revision: task.revision };
    }, 40 * 60_000);

    let change: string;

    it('a deployer-only change republishes the deployer image, and the ECS deployer task runs exactly its new digest', async () => {
      expect(first).toBeDefined();
      change = scratch.change(['apps/flows-deployer/src/index.ts']);
      const result = await deploy(scratch.base, change);
      timings.push(`deployer-only change (image-builder upstream, infra apply of the task definition, flows): ${result.seconds}`);
      expect(deployTasksRun(result.output)).toEqual(['image-builder', 'infra', 'flows-deployer']);

      const prefectImage = published(ARTIFACT_FILES.image);
      const deployerImage = published(ARTIFACT_FILES.deployerImage);
      expect(prefectImage).toMatchObject({ status: 'noop', digest: first.prefect.digest });
      expect(deployerImage.status).toBe('pushed');
      expect(deployerImage.digest).not.toBe(first.deployer.digest);
      expect(await manifestStatus(deployerImage.digest)).toBe(200);
      expect(result.output).toMatch(/infra: apply — the stack differs from the one applied at /);

      const task = await deployerTask();
      expect(task.images).toEqual([inEcr(deployerImage)]);
      expect(task.revision).toBe(first.revision! + 1);
      expect(outputs().deployer_image).toBe(inEcr(deployerImage));
      await expectFlowsApplied(prefectImage);
    }, 20 * 60_000);

    it('the same deploy again changes nothing: both publishes no-ops, infra hands on its recorded outputs', async () => {
      expect(change).toBeDefined();
      const before = { task: await deployerTask(), revisions: await deployerRevisions(), deployer: published(ARTIFACT_FILES.deployerImage) };
      const result = await deploy(scratch.base, change);
      timings.push(`the same deploy again (no-op): ${result.seconds}`);
      expect(deployTasksRun(result.output)).toEqual(['image-builder', 'infra', 'flows-deployer']);
      expect([published(ARTIFACT_FILES.image).status, published(ARTIFACT_FILES.deployerImage).status]).toEqual(['noop', 'noop']);
      expect(published(ARTIFACT_FILES.deployerImage).digest).toBe(before.deployer.digest);
      expect(result.output).toMatch(/infra: reuse — unchanged since /);
      expect(await deployerTask()).toEqual(before.task);
      expect(await deployerRevisions()).toEqual(before.revisions);
      await expectFlowsApplied(published(ARTIFACT_FILES.image));
    }, 20 * 60_000);
  },
);

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}
