import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { affectedDeployProjects, planDeploy } from '../src';
import { EMPTY_TREE, ScratchWorkspace } from './scratch-workspace';

/**
 * What `nx affected -t deploy` deploys for a change in each package, asked of the real Nx in a
 * scratch copy of this repository (a base commit, then one change): the affected projects come
 * from `nx show projects --affected` (what `platform-deploy plan` asks), the order from Nx's task
 * graph (`nx affected -t deploy --graph=<file>`, which runs nothing). No AWS: what each step then
 * does is tested end to end in affected-deploy.emulator.test.ts, and in infra-step.test.ts.
 */
describe('nx affected -t deploy in a scratch repository', () => {
  let scratch: ScratchWorkspace;
  beforeAll(() => {
    scratch = ScratchWorkspace.create();
  });
  afterAll(() => scratch?.remove());

  const plan = (base: string, head: string) =>
    planDeploy(affectedDeployProjects(scratch.root, [`--base=${base}`, `--head=${head}`])).map((s) => `${s.project}:${s.reason}`);

  /** The deploy tasks Nx would run and, for each, the deploy tasks it waits for. */
  const deployTasks = (base: string, head: string): Record<string, string[]> => {
    const file = join(scratch.root, '.nx', 'deploy-graph.json');
    scratch.nx(['affected', '-t', 'deploy', `--base=${base}`, `--head=${head}`, `--graph=${file}`]);
    const graph = JSON.parse(readFileSync(file, 'utf8')) as { tasks: { dependencies: Record<string, { id: string }[] | string[]> } };
    const id = (d: { id: string } | string) => (typeof d === 'string' ? d : d.id);
    return Object.fromEntries(
      Object.entries(graph.tasks.dependencies)
        .filter(([task]) => task.endsWith(':deploy'))
        .map(([task, deps]) => [task, deps.map(id).filter((d) => d.endsWith(':deploy'))]),
    );
  };

  const ALL = ['image-builder:changed', 'infra:changed', 'flows-deployer:changed'];
  const IMAGES_THEN_FLOWS = ['image-builder:changed', 'infra:upstream', 'flows-deployer:changed'];
  // The deployer's image is built from the app: its change republishes that image (a no-op for the
  // unchanged Prefect image), infra re-pins the ECS deployer task to the new digest, then the flows.
  const DEPLOYER = ['image-builder:upstream', 'infra:upstream', 'flows-deployer:changed'];

  it.each([
    ['config (every package reads it)', ['packages/config/src/index.ts'], ALL],
    ['infra', ['packages/infra/src/index.ts'], ['image-builder:upstream', 'infra:changed']],
    ['image-builder (a new Prefect image re-pins the work pool)', ['packages/image-builder/src/index.ts'], IMAGES_THEN_FLOWS],
    ['the Prefect image (docker/prefect-base)', ['docker/prefect-base/Dockerfile'], IMAGES_THEN_FLOWS],
    ['flows-deployer', ['apps/flows-deployer/src/index.ts'], DEPLOYER],
    ['the deployer image (docker/flows-deployer)', ['docker/flows-deployer/Dockerfile'], DEPLOYER],
    ['the flows', ['apps/flows-deployer/flows/blog_data/ingest.py'], DEPLOYER],
    ['ops only (no deploy target)', ['packages/ops/src/index.ts'], []],
  ])('a change in %s deploys %j', (_, files, expected) => {
    expect(plan(scratch.base, scratch.change(files))).toEqual(expected);
  });

  it('deploys everything on a first deploy (the empty-tree base of deploy-all)', () => {
    expect(plan(EMPTY_TREE, scratch.base)).toEqual(ALL);
  });

  it('runs a deployer-only change in delivery order: images, then infra, then the flows', () => {
    const head = scratch.change(['apps/flows-deployer/src/index.ts']);
    expect(deployTasks(scratch.base, head)).toEqual({
      'image-builder:deploy': [],
      'infra:deploy': ['image-builder:deploy'],
      'flows-deployer:deploy': ['infra:deploy'],
    });
  });
});
