import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UserError } from '@blog-data/cli-kit';
import { APP_DIR } from './support/workspace';
import { defaultFlowName, inspectFlowSource } from '../src/manifest/flow-source';
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
    """Loads one day.

    Args:
        day: ISO date to load.
    """
    pass

@flow(description="From the decorator", version="7")
def decorated():
    """Not this docstring."""

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
    if (err instanceof UserError) return err.problems().map((p) => p.what);
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

  it('reports every problem in one run, each naming the deployment and field', () => {
    const found = problems(`
deployments:
  - name: no-colon
    entrypoint: flows/posts.py
  - name: missing-file
    entrypoint: flows/missing.py:main
    schedules: [{ cron: "not a cron" }]
  - name: missing-function
    entrypoint: flows/posts.py:nope
  - name: bad-parameter
    entrypoint: flows/posts.py:load_posts
    parameters: { limt: 3 }
  - entrypoint: flows/gone.py:main
`);
    expect(found).toEqual([
      'prefect.yaml: deployments[0] (no-colon).entrypoint: must be <path/to/file.py>:<function name>, e.g. flows/ingest.py:ingest_posts',
      'prefect.yaml: deployments[1] (missing-file).schedules[0].cron: must be a cron expression with 5 fields (e.g. "0 6 * * *") or an @macro',
      "prefect.yaml: deployments[1] (missing-file).entrypoint: file flows/missing.py not found (paths are relative to the manifest's directory)",
      'prefect.yaml: deployments[2] (missing-function).entrypoint: no module-level function "nope" in flows/posts.py',
      'prefect.yaml: deployments[3] (bad-parameter).parameters: limt not accepted by load_posts() (set enforce_parameter_schema: false to allow)',
      'prefect.yaml: deployments[4].name: is required',
      "prefect.yaml: deployments[4].entrypoint: file flows/gone.py not found (paths are relative to the manifest's directory)",
    ]);
  });

  // Issue #12: an entrypoint like ../private/flow.py:f made the deployer bundle (and upload) the parent folder.
  it('rejects entrypoints that leave the manifest folder, naming the deployment', () => {
    expect(problems('deployments:\n  - name: sneaky\n    entrypoint: ../private/flow.py:f\n')).toEqual([
      "prefect.yaml: deployments[0] (sneaky).entrypoint: ../private/flow.py is outside the project folder (the manifest's directory); flow files must live inside it",
    ]);
    expect(problems('deployments:\n  - name: abs\n    entrypoint: /etc/flow.py:f\n')[0]).toContain('deployments[0] (abs).entrypoint: /etc/flow.py is outside the project folder');
    expect(problems('deployments:\n  - name: dots\n    entrypoint: flows/../../x.py:f\n')[0]).toContain('deployments[0] (dots).entrypoint: flows/../../x.py is outside');
  });

  it('rejects an entrypoint that reaches outside through a symlink', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'manifest-'));
    try {
      mkdirSync(path.join(parent, 'project'));
      mkdirSync(path.join(parent, 'private'));
      writeFileSync(path.join(parent, 'private', 'flow.py'), 'from prefect import flow\n@flow\ndef f(): pass\n');
      symlinkSync(path.join(parent, 'private'), path.join(parent, 'project', 'flows'));
      writeFileSync(path.join(parent, 'project', 'prefect.yaml'), 'deployments:\n  - name: linked\n    entrypoint: flows/flow.py:f\n');
      expect(() => loadManifest(path.join(parent, 'project', 'prefect.yaml'), { workPool: 'blog-data-pool' })).toThrow(
        /deployments\[0\] \(linked\)\.entrypoint: flows\/flow\.py resolves to .*private\/flow\.py, outside the project folder/,
      );
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('falls back to the flow\'s docstring and file hash like prefect deploy', () => {
    const [bare, explicit, fromDecorator, empty] = parse(`
deployments:
  - name: bare
    entrypoint: flows/posts.py:with_name
  - name: explicit
    entrypoint: flows/posts.py:with_name
    description: Mine
    version: "1.0"
  - name: decorator
    entrypoint: flows/posts.py:decorated
  - name: empty
    entrypoint: flows/posts.py:load_posts
    description: ""
`).deployments;
    // flows.py: `description or inspect.getdoc(fn)`; version: `file_hash(inspect.getsourcefile(fn))` (MD5 of the file).
    expect(bare.description).toBe('Loads one day.\n\nArgs:\n    day: ISO date to load.');
    expect(bare.version).toBe(createHash('md5').update(FLOW).digest('hex'));
    expect([explicit.description, explicit.version]).toEqual(['Mine', '1.0']);
    expect([fromDecorator.description, fromDecorator.version]).toEqual(['From the decorator', '7']);
    expect(empty.description).toBeNull(); // no docstring either: Prefect sends null
  });

  it('reads and parses each flow file once however many deployments use it', () => {
    const reads: string[] = [];
    const yaml = `deployments:\n${Array.from({ length: 50 }, (_, i) => `  - name: d${i}\n    entrypoint: flows/posts.py:${i % 2 ? 'load_posts' : 'with_name'}\n`).join('')}`;
    const m = parseManifest(yaml, { file: 'prefect.yaml', workPool: 'blog-data-pool', readFile: (f) => (reads.push(f), readFile(f)) });
    expect(m.deployments).toHaveLength(50);
    expect(reads).toEqual(['flows/posts.py']);
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
        day: { title: 'day', position: 0, type: 'string', description: 'ISO date to load.' },
        dry_run: { title: 'dry_run', position: 1, type: 'boolean', default: false },
      },
      required: ['day'],
    });
    // Prefect stores the schema with unset fields excluded: no `definitions` key when no type needed one.
    expect(flow.parameterSchema).not.toHaveProperty('definitions');
  });

  it('reports a syntax error inside the flow, and ignores what the grammar cannot read elsewhere', () => {
    expect(() => inspectFlowSource('from prefect import flow\n@flow\ndef f(a: int = ):\n    pass\n', 'f')).toThrow('Python syntax error near line 3 in the definition of "f"');
    expect(() => inspectFlowSource('def g(:\n', 'f')).toThrow('no module-level function "f" (Python syntax error near line 1)');
    // PEP 614 decorator expressions are valid Python the grammar flags; they do not concern flow f.
    const ok = inspectFlowSource('from prefect import flow\n@handlers[0].wrap\ndef other(): pass\n@flow\ndef f(a: int = 1):\n    pass\n', 'f');
    expect(ok.parameterSchema.properties).toEqual({ a: { type: 'integer', default: 1, title: 'a', position: 0 } });
  });

  it('names flows the way Prefect does by default', () => {
    expect(defaultFlowName('refresh_post_metrics')).toBe('refresh-post-metrics');
  });
});
