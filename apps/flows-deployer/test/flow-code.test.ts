import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { collectFlowCode, COMPLETE_MARKER, flowCodeLimitsFromEnv, flowCodeLocation, planFlowCode, pullFromS3Steps, uploadFlowCode } from '../src/flow-code';
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
  const code = (...entrypoints: string[]) => collectFlowCode(dir, entrypoints.map((entrypoint, i) => ({ name: `d${i}`, entrypoint })));

  it('ships the entrypoints\' top directories without caches, in a stable order', () => {
    const bundle = code('flows/pkg/b.py:run', 'flows/pkg/a.py:main');
    expect(bundle.files.map((f) => f.path)).toEqual(['flows/pkg/a.py', 'flows/pkg/b.py']);
    expect(bundle.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(code('flows/pkg/a.py:main').digest).toBe(bundle.digest);
  });

  it('changes digest and folder when any shipped file changes, and only then', () => {
    const before = code('flows/pkg/a.py:main');
    writeFileSync(path.join(dir, 'other', 'unrelated.py'), 'X = 1\n');
    expect(code('flows/pkg/a.py:main').digest).toBe(before.digest);
    writeFileSync(path.join(dir, 'flows', 'pkg', 'b.py'), 'B = 3\n');
    const after = code('flows/pkg/a.py:main');
    expect(after.digest).not.toBe(before.digest);
    expect(flowCodeLocation('bucket', 'blog-data', after).folder).not.toBe(flowCodeLocation('bucket', 'blog-data', before).folder);
  });

  it('uploads files then the completion marker, and a complete folder is not uploaded again', async () => {
    const store = new MemoryFlowCodeStore();
    const bundle = code('flows/pkg/a.py:main');
    const location = flowCodeLocation('bucket', 'blog-data', bundle);
    expect(location.folder).toBe(`blog-data/flow-code/${bundle.digest.slice(0, 16)}`);
    expect(await planFlowCode(store, bundle, location)).toMatchObject({ action: 'upload', files: 2, bytes: 12, checked: true });
    expect(await uploadFlowCode(store, bundle, location)).toBe(3);
    expect(store.writes).toEqual([`${location.folder}/flows/pkg/a.py`, `${location.folder}/flows/pkg/b.py`, `${location.folder}/${COMPLETE_MARKER}`]);
    expect(await planFlowCode(store, bundle, location)).toMatchObject({ action: 'unchanged' });
    expect(await planFlowCode(undefined, bundle, location)).toMatchObject({ action: 'upload', checked: false });
  });

  it('refuses to upload a file that changed after it was hashed', async () => {
    const bundle = code('flows/pkg/a.py:main');
    writeFileSync(path.join(dir, 'flows', 'pkg', 'a.py'), 'A = 2\n');
    await expect(uploadFlowCode(new MemoryFlowCodeStore(), bundle, flowCodeLocation('b', 'p', bundle))).rejects.toThrow(/flows\/pkg\/a.py changed while deploying/);
  });

  it('points deployments at the folder with prefect-aws\'s pull_from_s3 step', () => {
    expect(pullFromS3Steps({ bucket: 'b', folder: 'p/flow-code/abc' })).toEqual([
      { 'prefect_aws.deployments.steps.pull_from_s3': { requires: 'prefect-aws>=0.5.0', bucket: 'b', folder: 'p/flow-code/abc' } },
    ]);
  });

  // Issue #12 (flow-code upload path traversal): `../private/flow.py:f` used to bundle the parent folder, uploading the
  // `.env` and `id_rsa` that sat next to the project. It is now refused, naming the deployment.
  it('refuses an entrypoint outside the project instead of bundling the parent folder', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'flow-code-parent-'));
    try {
      const project = path.join(parent, 'project');
      mkdirSync(path.join(project, 'flows'), { recursive: true });
      mkdirSync(path.join(parent, 'private'));
      writeFileSync(path.join(parent, 'private', 'flow.py'), 'from prefect import flow\n@flow\ndef f(): pass\n');
      writeFileSync(path.join(parent, 'private', '.env'), 'AWS_SECRET_ACCESS_KEY=do-not-ship\n');
      writeFileSync(path.join(parent, 'private', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
      const attempt = () => collectFlowCode(project, [{ name: 'sneaky', entrypoint: '../private/flow.py:f' }]);
      expect(attempt).toThrow('the entrypoint of deployment sneaky (../private/flow.py:f) is outside the project folder');
      expect(() => collectFlowCode(project, [{ name: 'abs', entrypoint: '/etc/flow.py:f' }])).toThrow(/deployment abs .* is outside the project folder/);
      expect(() => collectFlowCode(project, [{ name: 'dots', entrypoint: 'flows/../../private/flow.py:f' }])).toThrow(/deployment dots/);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('leaves dotfiles, dot-folders and key files out by default', () => {
    mkdirSync(path.join(dir, 'flows', '.git'), { recursive: true });
    mkdirSync(path.join(dir, 'flows', 'certs'));
    mkdirSync(path.join(dir, 'flows', '.venv', 'lib'), { recursive: true });
    for (const f of ['.env', '.env.local', 'prod.env', 'id_rsa', 'id_ed25519.pub', '.git/config', 'certs/server.pem', 'certs/tls.key', '.venv/lib/x.py', 'terraform.tfstate']) {
      writeFileSync(path.join(dir, 'flows', f), 'secret\n');
    }
    writeFileSync(path.join(dir, 'flows', 'certs', 'README.md'), 'public\n');
    expect(code('flows/pkg/a.py:main').files.map((f) => f.path)).toEqual(['flows/certs/README.md', 'flows/pkg/a.py', 'flows/pkg/b.py']);
  });

  it('honours .prefectignore in the manifest folder with gitignore rules, after the defaults', () => {
    mkdirSync(path.join(dir, 'flows', 'data'));
    writeFileSync(path.join(dir, 'flows', 'data', 'big.csv'), 'a,b\n');
    writeFileSync(path.join(dir, 'flows', 'data', 'keep.csv'), 'a,b\n');
    writeFileSync(path.join(dir, 'flows', 'pkg', 'notes.txt'), 'x\n');
    writeFileSync(path.join(dir, 'flows', '.well-known'), 'shipped on purpose\n');
    // Prefect strips each line (`push_to_s3`), so indented patterns work; `!` re-includes even inside an ignored folder.
    writeFileSync(path.join(dir, '.prefectignore'), '# comment\n\n  data/\n!flows/data/keep.csv\n*.txt\n/flows/pkg/b.py\n!.well-known\n');
    expect(code('flows/pkg/a.py:main').files.map((f) => f.path)).toEqual(['flows/.well-known', 'flows/data/keep.csv', 'flows/pkg/a.py']);
  });

  it('stops with a clear error when the code is over the size or file-count limit', () => {
    writeFileSync(path.join(dir, 'flows', 'pkg', 'blob.bin'), Buffer.alloc(4096));
    const limited = (limits: { maxBytes?: number; maxFiles?: number }) => () =>
      collectFlowCode(dir, [{ name: 'd', entrypoint: 'flows/pkg/a.py:main' }], limits);
    expect(limited({ maxBytes: 2048 })).toThrow(/the flow code to upload is over the limit of 10000 files \/ 2\.0 KiB \(reached at flows\/pkg\/blob\.bin.*raise FLOWS_DEPLOYER_MAX_CODE_MB/);
    expect(limited({ maxFiles: 2 })).toThrow(/over the limit of 2 files .*reached at flows\/pkg\/blob\.bin: 3 files/);
    expect(flowCodeLimitsFromEnv({ FLOWS_DEPLOYER_MAX_CODE_MB: '1.5' })).toEqual({ maxBytes: 1572864 });
    expect(() => flowCodeLimitsFromEnv({ FLOWS_DEPLOYER_MAX_CODE_MB: '0x10' })).toThrow('FLOWS_DEPLOYER_MAX_CODE_MB must be a positive number of MiB, got "0x10"');
  });

  it('refuses a symlink that leads out of the project', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'flow-code-outside-'));
    try {
      writeFileSync(path.join(outside, 'credentials'), 'secret\n');
      symlinkSync(path.join(outside, 'credentials'), path.join(dir, 'flows', 'pkg', 'creds.py'));
      expect(() => code('flows/pkg/a.py:main')).toThrow(/flows\/pkg\/creds\.py is a symlink to .*, outside the project folder/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
