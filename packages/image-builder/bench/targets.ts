import type { Uploads } from './upload-counter';

/** The four scenarios, in the order each round runs them. */
export const SCENARIOS = ['cold full publish', 'no-op', 'last small layer changed', 'retag only'] as const;
export type Scenario = typeof SCENARIOS[number];

/** One timed run of one side. */
export interface Sample {
  readonly ms: number;
  readonly uploads: Uploads;
  /** image-builder only: the result's phase durations and the built image id (= config digest). */
  readonly durations?: Readonly<Record<string, number>>;
  readonly imageId?: string;
  readonly status?: string;
}

/** Samples of both sides for one fixture and scenario. */
export interface Measured {
  readonly fixture: string;
  readonly large: boolean;
  readonly scenario: Scenario;
  readonly ours: readonly Sample[];
  readonly cli: readonly Sample[];
}

/** The targets (#18). */
export const TARGETS = {
  /** Full publish at most this many times the CLI pair, on both fixtures. */
  fullRatio: 1.1,
  /** No-op at most this many times the CLI pair on the large fixture. */
  noopRatioLarge: 0.3,
  /** No-op at most this long on either fixture. */
  noopMs: 1000,
} as const;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Every missed target, one sentence each; empty when all are met. */
export function missedTargets(results: readonly Measured[]): string[] {
  const missed: string[] = [];
  for (const r of results) {
    const ours = median(r.ours.map((s) => s.ms));
    const cli = median(r.cli.map((s) => s.ms));
    const ratio = ours / cli;
    const where = `${r.fixture}, ${r.scenario}`;
    if (r.scenario === 'cold full publish' && ratio > TARGETS.fullRatio) {
      missed.push(`${where}: ${ratio.toFixed(2)}× the CLI pair (target ≤ ${TARGETS.fullRatio}×)`);
    }
    if (r.scenario === 'no-op') {
      if (ours > TARGETS.noopMs) missed.push(`${where}: ${ours.toFixed(0)} ms (target ≤ ${TARGETS.noopMs} ms)`);
      if (r.large && ratio > TARGETS.noopRatioLarge) missed.push(`${where}: ${ratio.toFixed(2)}× the CLI pair (target ≤ ${TARGETS.noopRatioLarge}×)`);
    }
    if (r.scenario === 'last small layer changed') {
      r.ours.forEach((s, i) => {
        const problem = oneLayerProblem(s);
        if (problem) missed.push(`${where}, round ${i + 1}: ${problem}`);
      });
    }
  }
  return missed;
}

/** Why a one-layer change did not upload exactly one layer blob, the config and one manifest; undefined when it did. */
export function oneLayerProblem(sample: Sample): string | undefined {
  const blobs = new Set(sample.uploads.blobs);
  const manifests = new Set(sample.uploads.manifests);
  const layers = [...blobs].filter((d) => d !== sample.imageId);
  if (!sample.imageId || !blobs.has(sample.imageId)) return `the config blob ${sample.imageId ?? '(no image id)'} was not uploaded`;
  if (layers.length !== 1) return `${layers.length} layer blobs uploaded (expected exactly 1)`;
  if (manifests.size !== 1) return `${manifests.size} different manifests uploaded (expected 1)`;
  return undefined;
}

/** The table `pnpm bench` prints. */
export function renderTable(results: readonly Measured[], rounds: number): string {
  const uploads = (samples: readonly Sample[]) => {
    const last = samples[samples.length - 1]?.uploads;
    return last ? `${last.blobs.length} blobs/${new Set(last.manifests).size} mf, ${(last.bytes / 1048576).toFixed(1)} MB` : '-';
  };
  const rows: string[][] = [['fixture', 'scenario', `image-builder (ms, median of ${rounds})`, 'docker build + push (ms)', 'ratio', 'image-builder uploads', 'CLI uploads']];
  for (const r of results) {
    const ours = median(r.ours.map((s) => s.ms));
    const cli = median(r.cli.map((s) => s.ms));
    rows.push([r.fixture, r.scenario, ours.toFixed(0), cli.toFixed(0), (ours / cli).toFixed(2), uploads(r.ours), uploads(r.cli)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Median phase durations per fixture and scenario, both sides: where the time goes. */
export function renderPhases(results: readonly Measured[]): string {
  const phases = (samples: readonly Sample[]) => {
    const names = [...new Set(samples.flatMap((s) => Object.keys(s.durations ?? {})))];
    const parts = names.map((n) => `${n} ${median(samples.map((s) => s.durations?.[n] ?? 0)).toFixed(0)}`);
    // Outside the measured phases: process start-up (Node, module loading, config), exit.
    parts.push(`outside ${median(samples.map((s) => s.ms - (s.durations?.total ?? 0))).toFixed(0)}`);
    return parts.join(', ');
  };
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.fixture}, ${r.scenario} (${r.ours[0]?.status ?? '?'}):`);
    lines.push(`  image-builder  ${phases(r.ours)} ms`);
    lines.push(`  docker CLI     ${phases(r.cli)} ms`);
  }
  return lines.join('\n');
}
