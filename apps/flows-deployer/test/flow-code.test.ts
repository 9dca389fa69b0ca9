import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { collectFlowCode, COMPLETE_MARKER, flowCodeLocation, planFlowCode, pullFromS3Steps, uploadFlowCode } from '../src/flow-code';
import { MemoryFlowCodeStore } from './support/memory-flow-code-store';

describe('flow code bundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flow-code-'));
    mkdirSync(path.join(dir, 'flows', 'pkg', '__pycache__'), { recursive: true });
    mkdirSync(path.join(dir, 'other'));
    writeFileSync(path.join(dir, 'flows', 'pkg', 'a.py'), 'A = 1\n');
    writeFileSync(path.join(dir, 'flows', 'pkg', 'b.py'), 'B = 2\n');
    writeFileSync(path.join(dir, 'flows', 'pkg', '__pycache__', 'a.cpython-312.pyc'), 'junk');
    writeFileSync(path.join(dir, 'flows', 'pkg', 'c.pyc'), 'junk');
    writeFileSync(path.join(dir, 'other', 'unrelated.py'), 'X = 0\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the entrypoints\' top directories without caches, in a stable order', () => {
    const bundle = collectFlowCode(dir, ['flows/pkg/b.py:run', 'flows/pkg/a.py:main']);
    expect(bundle.files.map((f) => f.path)).toEqual(['flows/pkg/a.py', 'flows/pkg/b.py']);
    expect(bundle.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(collectFlowCode(dir, ['flows/pkg/a.py:main']).digest).toBe(bundle.digest);
  });

  it('changes digest and folder when any shipped file changes, and only then', () => {
    const before = collectFlowCode(dir, ['flows/pkg/a.py:main']);
    writeFileSync(path.join(dir, 'other', 'unrelated.py'), 'X = 1\n');
    expect(collectFlowCode(dir, ['flows/pkg/a.py:main']).digest).toBe(before.digest);
    writeFileSync(path.join(dir, 'flows', 'pkg', 'b.py'), 'B = 3\n');
    const after = collectFlowCode(dir, ['flows/pkg/a.py:main']);
    expect(after.digest).not.toBe(before.digest);
    expect(flowCodeLocation('bucket', 'blog-data', after).folder).not.toBe(flowCodeLocation('bucket', 'blog-data', before).folder);
  });

  it('uploads files then the completion marker, and a complete folder is not uploaded again', async () => {
    const store = new MemoryFlowCodeStore();
    const bundle = collectFlowCode(dir, ['flows/pkg/a.py:main']);
    const location = flowCodeLocation('bucket', 'blog-data', bundle);
    expect(location.folder).toBe(`blog-data/flow-code/${bundle.digest.slice(0, 16)}`);
    expect(await planFlowCode(store, bundle, location)).toMatchObject({ action: 'upload', files: 2, bytes: 12, checked: true });
    expect(await uploadFlowCode(store, bundle, location)).toBe(3);
    expect(store.writes).toEqual([`${location.folder}/flows/pkg/a.py`, `${location.folder}/flows/pkg/b.py`, `${location.folder}/${COMPLETE_MARKER}`]);
    expect(await planFlowCode(store, bundle, location)).toMatchObject({ action: 'unchanged' });
    expect(await planFlowCode(undefined, bundle, location)).toMatchObject({ action: 'upload', checked: false });
  });

  it('refuses to upload a file that changed after it was hashed', async () => {
    const bundle = collectFlowCode(dir, ['flows/pkg/a.py:main']);
    writeFileSync(path.join(dir, 'flows', 'pkg', 'a.py'), 'A = 2\n');
    await expect(uploadFlowCode(new MemoryFlowCodeStore(), bundle, flowCodeLocation('b', 'p', bundle))).rejects.toThrow(/flows\/pkg\/a.py changed while deploying/);
  });

  it('points deployments at the folder with prefect-aws\'s pull_from_s3 step', () => {
    expect(pullFromS3Steps({ bucket: 'b', folder: 'p/flow-code/abc' })).toEqual([
      { 'prefect_aws.deployments.steps.pull_from_s3': { requires: 'prefect-aws>=0.5.0', bucket: 'b', folder: 'p/flow-code/abc' } },
    ]);
  });
});
