import { stripAnsi } from '@blog-data/cli-kit';
import { formatDuration } from './duration';

/** How a step ended: done, failed, skipped (cannot run here), or reused (nothing changed since a kept run). */
export type StepStatus = 'ok' | 'failed' | 'skipped' | 'reused';

/** A warning a step printed, and why it is expected in a rehearsal when it is. */
export interface StepWarning {
  readonly text: string;
  /** Why the rehearsal expects it; undefined for a warning worth a look. */
  readonly expected?: string;
}

/** One finished step, as the report shows it. */
export interface StepReport {
  readonly title: string;
  readonly status: StepStatus;
  readonly milliseconds: number;
  /** A few words on the result ("142/142 created", "11/11 from cache"). */
  readonly detail?: string;
  readonly warnings: readonly StepWarning[];
  /** The step's full output, relative to the repository. */
  readonly log?: string;
  /** The last lines of the log, shown only when the step failed. */
  readonly tail?: readonly string[];
}

/**
 * Warnings the rehearsal causes on purpose, with the reason shown next to them. Each is a
 * consequence of rehearsing dev on one machine (see packages/infra/README.md, "emulator").
 */
export const EXPECTED_WARNINGS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /repository .*(does not match|is not) .*ECR|ECR .*(does not match|differs)/i, reason: 'the rehearsal pushes to a local registry, not to the emulator\'s ECR' },
  { pattern: /plain HTTP|insecure-http/i, reason: 'dev runs without a domain or CloudFront here' },
  { pattern: /alarms reach nobody/i, reason: 'dev has no alarm subscriber configured' },
  { pattern: /Incomplete lock file information for providers/, reason: 'terraform installs the provider from the offline mirror' },
];
const WARNING_LINE = /^\s*(?:\[[\w-]+\]\s*)?(?:warning|warn)\b[:\s]/i;

/** The warning lines of a step's output, each marked expected or not. */
export function findWarnings(lines: readonly string[]): StepWarning[] {
  const seen = new Set<string>();
  const found: StepWarning[] = [];
  for (const raw of lines) {
    const line = stripAnsi(raw).trim();
    if (!WARNING_LINE.test(line) || seen.has(line)) continue;
    seen.add(line);
    const known = EXPECTED_WARNINGS.find((w) => w.pattern.test(line));
    found.push(known ? { text: line, expected: known.reason } : { text: line });
  }
  return found;
}

const MARK: Record<StepStatus, string> = { ok: '✓', failed: '✗', skipped: '-', reused: '=' };
const TITLE_WIDTH = 44;

/** " 7/11": as wide as the last step's number, so the titles line up. */
function stepNumber(index: number, total: number): string {
  return `${index}/${total}`.padStart(2 * String(total).length + 1);
}

/** The line a step leaves in the report: mark, number, title, time, result. */
export function formatStepLine(index: number, total: number, step: StepReport): string {
  const number = stepNumber(index, total);
  const title = step.title.padEnd(TITLE_WIDTH);
  const time = formatDuration(step.milliseconds).padStart(7);
  return `${MARK[step.status]} ${number} ${title}${time}${step.detail ? `  ${step.detail}` : ''}`;
}

/** The line shown while a step runs (rewritten in place on a terminal). */
export function formatRunningLine(index: number, total: number, title: string, milliseconds: number, activity?: string): string {
  const number = stepNumber(index, total);
  return `▶ ${number} ${title.padEnd(TITLE_WIDTH)}${formatDuration(milliseconds).padStart(7)}${activity ? `  ${activity}` : ''}`;
}

/** What follows a step's line: its warnings, and for a failure the end of its log. */
export function formatStepNotes(step: StepReport): string[] {
  const notes = step.warnings.map((w) => (w.expected ? `        expected warning (${w.expected}): ${w.text}` : `        ${w.text}`));
  if (step.status === 'failed') {
    notes.push(...(step.tail ?? []).map((line) => `        | ${line}`));
    if (step.log) notes.push(`        full log: ${step.log}`);
  }
  return notes;
}

/** Everything after the steps: outputs, the logs' paths, total time, and the verdict as the last line. */
export function formatEnding(input: {
  readonly steps: readonly StepReport[];
  readonly outputs: readonly (readonly [string, string])[];
  readonly kept?: string;
  readonly totalMilliseconds: number;
}): string[] {
  const lines: string[] = [];
  if (input.outputs.length > 0) {
    lines.push('outputs:');
    const width = Math.max(...input.outputs.map(([name]) => name.length));
    for (const [name, value] of input.outputs) lines.push(`  ${name.padEnd(width)}  ${value}`);
  }
  const logs = input.steps.filter((s) => s.log).map((s) => s.log as string);
  if (logs.length > 0) {
    lines.push('logs:');
    for (const log of logs) lines.push(`  ${log}`);
  }
  if (input.kept) lines.push(input.kept);
  const ok = input.steps.every((s) => s.status !== 'failed');
  lines.push(`total ${formatDuration(input.totalMilliseconds)}`);
  lines.push(`rehearsal: ${ok ? 'ok' : 'failed'}`);
  return lines;
}
