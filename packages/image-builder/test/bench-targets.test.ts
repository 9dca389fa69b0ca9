import { generatedBytes } from '../bench/fixture';
import { Measured, missedTargets, oneLayerProblem, Sample } from '../bench/targets';

const sample = (ms: number, over: Partial<Sample> = {}): Sample => ({ ms, uploads: { blobs: [], bytes: 0, manifests: [] }, ...over });
const measured = (scenario: Measured['scenario'], ours: number[], cli: number[], large = true): Measured => ({
  fixture: large ? 'large' : 'small', large, scenario, ours: ours.map((ms) => sample(ms)), cli: cli.map((ms) => sample(ms)),
});

describe('the benchmark targets of issue #18', () => {
  it('passes a full publish within 1.1× and a no-op within 0.3× and 1 s', () => {
    expect(missedTargets([
      measured('cold full publish', [10_500, 11_000, 12_000], [10_000, 10_000, 10_100]),
      measured('no-op', [900, 800, 950], [4000, 3500, 3900]),
      measured('no-op', [300], [200], false),
    ])).toEqual([]);
  });

  it('fails a slow full publish and a slow no-op, naming the fixture, the scenario and the target', () => {
    expect(missedTargets([
      measured('cold full publish', [12_000], [10_000], false),
      measured('no-op', [1_200], [3_000]),
    ])).toEqual([
      'small, cold full publish: 1.20× the CLI pair (target ≤ 1.1×)',
      'large, no-op: 1200 ms (target ≤ 1000 ms)',
      'large, no-op: 0.40× the CLI pair (target ≤ 0.3×)',
    ]);
  });

  it('accepts a one-layer change only when it uploads one layer blob, the config and one manifest', () => {
    const uploads = (blobs: string[], manifests: string[]) => ({ blobs, bytes: 1, manifests });
    expect(oneLayerProblem(sample(1, { imageId: 'sha256:cfg', uploads: uploads(['sha256:l', 'sha256:cfg'], ['sha256:m', 'sha256:m']) }))).toBeUndefined();
    expect(oneLayerProblem(sample(1, { imageId: 'sha256:cfg', uploads: uploads(['sha256:l', 'sha256:l2', 'sha256:cfg'], ['sha256:m']) })))
      .toBe('2 layer blobs uploaded (expected exactly 1)');
    expect(oneLayerProblem(sample(1, { imageId: 'sha256:cfg', uploads: uploads(['sha256:l'], ['sha256:m']) }))).toBe('the config blob sha256:cfg was not uploaded');
    expect(oneLayerProblem(sample(1, { imageId: 'sha256:cfg', uploads: uploads(['sha256:l', 'sha256:cfg'], ['sha256:m', 'sha256:n']) })))
      .toBe('2 different manifests uploaded (expected 1)');
  });
});

describe('benchmark fixture data', () => {
  it('is deterministic per seed, differs between seeds, and is half zero blocks (compressible like real layers)', () => {
    const a = generatedBytes('seed', 64 * 1024);
    expect(generatedBytes('seed', 64 * 1024).equals(a)).toBe(true);
    expect(generatedBytes('other', 64 * 1024).equals(a)).toBe(false);
    expect(a.subarray(4096, 8192).every((b) => b === 0)).toBe(true);
    expect(a.subarray(0, 4096).some((b) => b !== 0)).toBe(true);
  });
});
