import * as path from 'node:path';
import { ValidationProblems } from '../src/errors';
import { APP_DIR } from './support/workspace';
import { defaultFlowName, inspectFlowSource, pythonLiteral, typeSchema } from '../src/manifest/flow-source';
import { loadManifest, parseManifest } from '../src/manifest/load';

const FLOW = `
from prefect import flow

@flow
def load_posts(limit: int = 10, source: str = "cms"):
    pass

@flow(
    name="custom-name",
    retries=2,
)
async def with_name(day: str, dry_run: bool = False):
    pass

def not_a_flow(x):
    pass
`;

const files: Record<string, string> = { 'flows/posts.py': FLOW };
const readFile = (f: string): string => {
  if (!(f in files)) throw new Error('ENOENT');
  return files[f];
};

function parse(yaml: string) {
  return parseManifest(yaml, { file: 'prefect.yaml', workPool: 'blog-data-pool', defaultWorkQueue: 'default', readFile });
}

function problems(yaml: string): string[] {
  try {
    parse(yaml);
  } catch (err) {
    if (err instanceof ValidationProblems) return [...err.problems];
    throw err;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('manifest', () => {
  it('reads the committed example with anchors, aliases and merge keys', () => {
    const m = loadManifest(path.join(APP_DIR, 'prefect.yaml'), { workPool: 'blog-data-pool', defaultWorkQueue: 'default' });
    expect(m.deployments.map((d) => `${d.flowName}/${d.name}`)).toEqual([
      'ingest-blog-posts/daily',
      'refresh-post-metrics/hourly',
      'rebuild-clean-dataset/weekly-rebuild',
    ]);
    const [daily, hourly, weekly] = m.deployments;
    // `schedules: [*every_morning_london]` and `tags: *pipeline_tags`
    expect(daily.schedules).toEqual([{ cron: '30 6 * * *', timezone: 'Europe/London', active: true }]);
    expect(daily.tags).toEqual(['blog-data', 'pipeline']);
    expect(daily.concurrencyLimit).toBe(1);
    expect(daily.collisionStrategy).toBe('CANCEL_NEW');
    // `<<: *ecs_default` merged under `ecs_large`
    expect(weekly.workPoolName).toBe('blog-data-pool');
    expect(weekly.workQueueName).toBe('default');
    expect(weekly.jobVariables).toEqual({ cpu: 1024, memory: 4096 });
    // no pull steps: the code goes to flow storage (run.ts fills them in)
    expect(hourly.pullSteps).toBeNull();
    expect(hourly.schedules[0]).toMatchObject({ interval: 3600, anchor_date: '2026-01-01T00:15:00+00:00' });
    expect(hourly.parameterSchema).toMatchObject({
      properties: { window_days: { type: 'integer', default: 7 }, only_path_prefix: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null } },
    });
  });

  it('names flows from flow_name, then @flow(name=...), then the function name with _ → -', () => {
    const m = parse(`
deployments:
  - name: a
    entrypoint: flows/posts.py:load_posts
  - name: b
    entrypoint: flows/posts.py:with_name
  - name: c
    flow_name: explicit
    entrypoint: flows/posts.py:with_name
`);
    expect(m.deployments.map((d) => d.flowName)).toEqual(['load-posts', 'custom-name', 'explicit']);
  });

  it('turns the legacy single schedule into a list and applies defaults', () => {
    const [d] = parse(`
deployments:
  - name: legacy
    entrypoint: flows/posts.py:load_posts
    version: 1.5
    schedule:
      cron: "0 * * * *"
`).deployments;
    expect(d.schedules).toEqual([{ cron: '0 * * * *' }]);
    expect(d.version).toBe('1.5');
    expect(d.enforceParameterSchema).toBe(true);
    expect(d.workPoolName).toBe('blog-data-pool');
    expect(d.paused).toBeUndefined();
  });

  it('gives deployments the top-level pull steps unless they declare their own', () => {
    const [a, b] = parse(`
pull:
  - prefect.deployments.steps.set_working_directory:
      directory: /opt/prefect/blog-data
deployments:
  - name: a
    entrypoint: flows/posts.py:load_posts
  - name: b
    entrypoint: flows/posts.py:load_posts
    pull:
      - prefect.deployments.steps.git_clone:
          repository: https://github.com/example/blog-data.git
`).deployments;
    expect(a.pullSteps).toEqual([{ 'prefect.deployments.steps.set_working_directory': { directory: '/opt/prefect/blog-data' } }]);
    expect(b.pullSteps).toEqual([{ 'prefect.deployments.steps.git_clone': { repository: 'https://github.com/example/blog-data.git' } }]);
  });

  it('accepts merge keys that override merged values', () => {
    const [d] = parse(`
definitions:
  base: &base
    entrypoint: flows/posts.py:load_posts
    tags: [a]
    parameters: { limit: 1 }
deployments:
  - <<: *base
    name: merged
    parameters: { limit: 5 }
`).deployments;
    expect(d.entrypoint).toBe('flows/posts.py:load_posts');
    expect(d.tags).toEqual(['a']);
    expect(d.parameters).toEqual({ limit: 5 });
  });

  it.each([
    ['a deployment without a name', 'deployments:\n  - entrypoint: flows/posts.py:load_posts\n', 'prefect.yaml: deployments[0].name: is required'],
    [
      'an entrypoint without a function',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py\n',
      'prefect.yaml: deployments[0] (x).entrypoint: must be <path/to/file.py>:<function name>',
    ],
    [
      'an unknown field',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    schedules_typo: []\n',
      'prefect.yaml: deployments[0] (x).schedules_typo: unknown field',
    ],
    [
      'a bad cron',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    schedules:\n      - cron: "every day"\n',
      'prefect.yaml: deployments[0] (x).schedules[0].cron: must be a cron expression',
    ],
    [
      'an unknown time zone',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    schedules:\n      - cron: "0 6 * * *"\n        timezone: Mars/Olympus\n',
      'prefect.yaml: deployments[0] (x).schedules[0].timezone: must be an IANA time zone',
    ],
    [
      'a schedule with two kinds',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    schedules:\n      - cron: "0 6 * * *"\n        interval: 60\n',
      'prefect.yaml: deployments[0] (x).schedules[0]: has cron and interval; use exactly one',
    ],
    [
      'a negative interval',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    schedules:\n      - interval: -5\n',
      'prefect.yaml: deployments[0] (x).schedules[0].interval: must be a positive number of seconds',
    ],
    [
      'schedule and schedules together',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    schedule: {cron: "0 6 * * *"}\n    schedules: [{cron: "0 7 * * *"}]\n',
      'prefect.yaml: deployments[0] (x).schedule: use either schedule (legacy) or schedules, not both',
    ],
    [
      'a zero concurrency limit',
      'deployments:\n  - name: x\n    entrypoint: flows/posts.py:load_posts\n    concurrency_limit: 0\n',
      'prefect.yaml: deployments[0] (x).concurrency_limit',
    ],
    ['an empty deployments list', 'deployments: []\n', 'prefect.yaml: deployments: must list at least one deployment'],
    ['a name with a slash', 'deployments:\n  - name: a/b\n    entrypoint: flows/posts.py:load_posts\n', 'prefect.yaml: deployments[0] (a/b).name: must not contain / % & > <'],
  ])('rejects %s', (_label, yaml, message) => {
    expect(problems(yaml).join('\n')).toContain(message);
  });

  it.each([
    ['a missing flow file', 'flows/missing.py:main', 'deployments[0] (x).entrypoint: file flows/missing.py not found'],
    ['a missing function', 'flows/posts.py:nope', 'deployments[0] (x).entrypoint: no module-level function "nope" in flows/posts.py'],
    ['a function that is not a flow', 'flows/posts.py:not_a_flow', 'function "not_a_flow" is not decorated with @flow'],
  ])('rejects %s', (_label, entrypoint, message) => {
    expect(problems(`deployments:\n  - name: x\n    entrypoint: ${entrypoint}\n`).join('\n')).toContain(message);
  });

  it('rejects another work pool, unknown parameters and duplicates, all at once', () => {
    const found = problems(`
deployments:
  - name: x
    entrypoint: flows/posts.py:load_posts
    work_pool: { name: other-pool }
    parameters: { limt: 3 }
  - name: x
    entrypoint: flows/posts.py:load_posts
`);
    expect(found).toEqual([
      'prefect.yaml: deployments[0] (x).work_pool.name: must be blog-data-pool (the pool this deployer manages), got other-pool',
      'prefect.yaml: deployments[0] (x).parameters: limt not accepted by load_posts() (set enforce_parameter_schema: false to allow)',
      'prefect.yaml: deployments[1] (x).name: duplicates deployments[0] (same flow load-posts and name)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problems('deployments:\n  - name: x\n    entrypoint: [unclosed\n')[0]).toMatch(/^prefect\.yaml:\d+:\d+: /);
    expect(problems('deployments:\n  - name: x\n    name: y\n    entrypoint: flows/posts.py:load_posts\n')[0]).toMatch(/Map keys must be unique/);
  });
});

describe('flow source inspection', () => {
  it('builds a Prefect-style parameter schema from the signature', () => {
    const flow = inspectFlowSource(FLOW, 'with_name');
    expect(flow.decoratedName).toBe('custom-name');
    expect(flow.parameterSchema).toEqual({
      title: 'Parameters',
      type: 'object',
      properties: {
        day: { title: 'day', position: 0, type: 'string' },
        dry_run: { title: 'dry_run', position: 1, type: 'boolean', default: false },
      },
      required: ['day'],
      definitions: {},
    });
  });

  it('maps common annotations and literals like pydantic', () => {
    expect(typeSchema('list[str]')).toEqual({ type: 'array', items: { type: 'string' } });
    expect(typeSchema('Optional[int]')).toEqual({ anyOf: [{ type: 'integer' }, { type: 'null' }] });
    expect(typeSchema('str | None')).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(typeSchema('dict[str, float]')).toEqual({ type: 'object', additionalProperties: { type: 'number' } });
    expect(typeSchema('Literal["a", "b"]')).toEqual({ enum: ['a', 'b'] });
    expect(typeSchema('datetime.datetime')).toEqual({ type: 'string', format: 'date-time' });
    expect(typeSchema('SomeModel')).toEqual({});
    expect(pythonLiteral('[1, "two", None, {"k": True}]')).toEqual([1, 'two', null, { k: true }]);
    expect(pythonLiteral('os.environ["X"]')).toBeUndefined();
    expect(defaultFlowName('refresh_post_metrics')).toBe('refresh-post-metrics');
  });
});
