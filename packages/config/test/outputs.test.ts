import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@blog-data/cli-kit';
// test-support is a dev-only helper (the fail-under-CI rule); the scope rule is about runtime dependencies.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import {
  flattenTerraformOutputs,
  imageResultSchema,
  parseInfraOutputs,
  platformOutputsSchema,
  readImageResultFile,
  readInfraOutputsFile,
} from '../src';

/** A complete, valid set of platform outputs (flat): the one fixture every package's tests share. */
const OUTPUTS = { ...EXAMPLE_PLATFORM_OUTPUTS };

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = {
  image: 'prefect-base',
  repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/blog-data',
  tag: 'src-0123456789ab',
  tags: ['src-0123456789ab', 'prefect-3-python3.12-ecs'],
  digest: DIGEST,
  reference: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/blog-data@${DIGEST}`,
  platform: 'linux/amd64',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outputs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function problemLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err.problems().map((p) => `${p.what} (${p.where})`);
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('the platform outputs contract', () => {
  it('accepts a complete set, flat or as terraform output -json', () => {
    expect(parseInfraOutputs(platformOutputsSchema, OUTPUTS, 'x')).toEqual(OUTPUTS);
    const wrapped = Object.fromEntries(Object.entries(OUTPUTS).map(([k, value]) => [k, { value, type: 'string', sensitive: false }]));
    expect(readInfraOutputsFile(platformOutputsSchema, file('tf.json', wrapped))).toEqual(OUTPUTS);
  });

  it('a consumer picks what it reads and ignores the rest', () => {
    const picked = platformOutputsSchema.pick({ ecr_repository_url: true });
    expect(readInfraOutputsFile(picked, file('o.json', { ecr_repository_url: OUTPUTS.ecr_repository_url, other: 1 }))).toEqual({
      ecr_repository_url: OUTPUTS.ecr_repository_url,
    });
  });

  it('names the file and each missing or mistyped field', () => {
    const path = file('outputs.json', { ...OUTPUTS, ecs_cluster_arn: undefined, task_subnet_ids: 'subnet-01', vpc_id: 'vpc 1' });
    expect(problemLines(() => readInfraOutputsFile(platformOutputsSchema, path))).toEqual([
      `ecs_cluster_arn: missing (${path})`,
      `vpc_id: must be a vpc-… id (${path})`,
      `task_subnet_ids: Invalid input: expected array, received string (${path})`,
    ]);
  });

  it('exits 2 with a fix saying how to write the file', () => {
    try {
      readInfraOutputsFile(platformOutputsSchema, file('empty.json', {}));
    } catch (err) {
      expect((err as UserError).exitCode).toBe(2);
      expect((err as UserError).problems()[0].fix).toContain('platform-infra.js output --outputs-file');
    }
    expect.assertions(2);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => readInfraOutputsFile(platformOutputsSchema, join(dir, 'nope.json'))).toThrow(`infra outputs file not found (${join(dir, 'nope.json')})`);
    expect(() => readInfraOutputsFile(platformOutputsSchema, file('bad.json', '{oops'))).toThrow(/infra outputs file is not JSON/);
  });

  it('carries a description for every output (terraform shows it)', () => {
    for (const [name, field] of Object.entries(platformOutputsSchema.shape)) expect([name, field.description]).toEqual([name, expect.any(String)]);
  });

  it('unwraps terraform output -json and passes a flat map through', () => {
    expect(flattenTerraformOutputs({ a: { value: 1, type: 'number', sensitive: false }, b: 'x' })).toEqual({ a: 1, b: 'x' });
    expect(flattenTerraformOutputs({ c: { value: 2 } })).toEqual({ c: { value: 2 } });
  });

  it.each([[null], [[1, 2]], ['text']])('rejects %j', (input) => {
    expect(() => flattenTerraformOutputs(input)).toThrow('infra outputs must be a JSON object');
  });
});

describe('the image result contract', () => {
  it('accepts what image-builder writes', () => {
    expect(readImageResultFile(imageResultSchema, file('image.json', IMAGE))).toEqual(IMAGE);
  });

  it('names the file and the field that is missing or mistyped', () => {
    const path = file('image.json', { ...IMAGE, digest: undefined, platform: 'linux/arm64' });
    expect(problemLines(() => readImageResultFile(imageResultSchema, path))).toEqual([
      `digest: missing (${path})`,
      `platform: must be linux/amd64 (${path})`,
    ]);
    const pick = imageResultSchema.pick({ reference: true });
    expect(problemLines(() => readImageResultFile(pick, file('tag.json', { reference: 'repo:tag' })))).toEqual([
      `reference: must be <repository>@sha256:<64 hex> (${join(dir, 'tag.json')})`,
    ]);
  });
});
