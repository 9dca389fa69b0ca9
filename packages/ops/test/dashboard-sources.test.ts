import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDeployerPlan } from '../src/dashboard/deployer-plan';
import { parseImageReference } from '../src/dashboard/pinned-images';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('image references in task definitions', () => {
  it.each([
    [`123456789012.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${DIGEST}`, { registry: '123456789012.dkr.ecr.eu-west-2.amazonaws.com', repository: 'blog-data', reference: DIGEST, digest: DIGEST }],
    [`127.0.0.1:5000/team/blog-data:src-1@${DIGEST}`, { registry: '127.0.0.1:5000', repository: 'team/blog-data', reference: DIGEST, digest: DIGEST }],
    ['localhost/blog-data:latest', { registry: 'localhost', repository: 'blog-data', reference: 'latest' }],
    ['registry.example.com:8443/a/b', { registry: 'registry.example.com:8443', repository: 'a/b', reference: 'latest' }],
  ])('%s is split into registry, repository and reference', (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it.each(['busybox', 'prefecthq/prefect:3-latest'])('%s (Docker Hub) has no registry this tool reads', (image) => {
    expect(parseImageReference(image)).toBeUndefined();
  });
});

describe('the deployer plan file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-plan-'));
  const write = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };

  it('reads a clean plan and the counts of a pending one', () => {
    const clean = readDeployerPlan(write('clean.json', JSON.stringify({ command: 'plan', changes: false, summary: { create: 0, update: 0, unchanged: 3, delete: 0, orphaned: 0 } })));
    expect(clean).toMatchObject({ clean: true, actions: { create: 0, update: 0, delete: 0, orphaned: 0 } });
    const pending = readDeployerPlan(write('pending.json', JSON.stringify({ command: 'plan', changes: true, summary: { create: 1, update: 2, unchanged: 0, delete: 0, orphaned: 0 } })));
    expect(pending).toMatchObject({ clean: false, actions: { create: 1, update: 2 } });
    expect(Date.parse(pending.at)).not.toBeNaN();
  });

  it('names the file and the field of a bad plan', () => {
    const file = write('bad.json', JSON.stringify({ command: 'plan', changes: 'yes', summary: {} }));
    expect(() => readDeployerPlan(file)).toThrow(`${file}: field changes: `);
    const notJson = write('truncated.json', '{"command": "pl');
    expect(() => readDeployerPlan(notJson)).toThrow(`${notJson}: not a JSON file written by \`flows-deployer plan --json\``);
  });
});
