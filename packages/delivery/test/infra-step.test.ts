import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@blog-data/config';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { AppliedRecord, ARTIFACT_FILES, decideInfra, fingerprintOf, InfraStepIo, runInfraStep, writeArtifact } from '../src';

const config = loadConfig({ env: 'dev', environ: {} });
const outputs = { ...EXAMPLE_PLATFORM_OUTPUTS };
const stack = '{"resource":{}}';
const record = (fingerprint: string): AppliedRecord => ({ fingerprint, appliedAt: '2026-11-29T10:00:00.000Z', outputs: outputs as AppliedRecord['outputs'] });

function fakeIo(root: string, stored: AppliedRecord | undefined) {
  const calls: string[] = [];
  let written: AppliedRecord | undefined;
  const io: InfraStepIo = {
    synth: async () => (calls.push('synth'), stack),
    readRecord: async () => (calls.push('readRecord'), stored),
    writeRecord: async (r) => {
      calls.push('writeRecord');
      written = r;
    },
    apply: async () => {
      calls.push('apply');
      writeArtifact(root, ARTIFACT_FILES.infraOutputs, Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: 'string', sensitive: false }])));
    },
    now: () => new Date('2026-11-29T12:00:00.000Z'),
  };
  return { io, calls, written: () => written };
}

describe('the infra step', () => {
  it.each([
    ['no record (first deploy)', undefined, 'apply', /first deploy/],
    ['a different stack', record('0'.repeat(64)), 'apply', /differs from the one applied at 2026-11-29T10:00:00.000Z/],
    ['the same stack', record(fingerprintOf(stack)), 'reuse', /unchanged since 2026-11-29T10:00:00.000Z/],
  ] as const)('with %s: %s', (_, stored, action, reason) => {
    const decision = decideInfra(fingerprintOf(stack), stored);
    expect(decision.action).toBe(action);
    expect(decision.reason).toMatch(reason);
  });

  it('applies a changed stack, then records its fingerprint and outputs', async () => {
    const root = mkdtempSync(join(tmpdir(), 'delivery-'));
    const fake = fakeIo(root, undefined);
    await runInfraStep(root, config, fake.io, { dryRun: false, log: () => {} });
    expect(fake.calls).toEqual(['synth', 'readRecord', 'apply', 'writeRecord']);
    expect(fake.written()).toEqual({ fingerprint: fingerprintOf(stack), appliedAt: '2026-11-29T12:00:00.000Z', outputs });
  });

  it('hands on the recorded outputs without applying when nothing changed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'delivery-'));
    const fake = fakeIo(root, record(fingerprintOf(stack)));
    const lines: string[] = [];
    await runInfraStep(root, config, fake.io, { dryRun: false, log: (l) => lines.push(l) });
    expect(fake.calls).toEqual(['synth', 'readRecord']);
    expect(JSON.parse(readFileSync(join(root, ARTIFACT_FILES.infraOutputs), 'utf8'))).toEqual(outputs);
    expect(lines).toEqual(['infra: reuse — unchanged since 2026-11-29T10:00:00.000Z: reusing its outputs']);
  });

  it('only says what it would do with --dry-run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'delivery-'));
    const fake = fakeIo(root, undefined);
    await runInfraStep(root, config, fake.io, { dryRun: true, log: () => {} });
    expect(fake.calls).toEqual(['synth', 'readRecord']);
  });
});
