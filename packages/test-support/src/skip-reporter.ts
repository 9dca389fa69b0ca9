import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The variable through which test workers hand skip reasons to the reporter (a file path). */
export const SKIP_LOG_VARIABLE = 'TEST_SUPPORT_SKIP_LOG';

/** One skipped integration suite and why. */
export interface SkipNote {
  readonly testPath: string;
  readonly reason: string;
}

/**
 * Records why a test file's integration tests are skipped: for the reporter when one runs (the
 * worker appends a line to its file), else as a console warning.
 */
export function noteSkip(reason: string, environ: NodeJS.ProcessEnv = process.env): void {
  const log = environ[SKIP_LOG_VARIABLE];
  const testPath = currentTestPath();
  if (log) {
    fs.appendFileSync(log, `${JSON.stringify({ testPath, reason } satisfies SkipNote)}\n`);
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`skipping: ${reason}`);
}

function currentTestPath(): string {
  const state = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect?.getState?.();
  return state?.testPath ?? 'unknown test file';
}

/** The summary lines: each test file once, each of its reasons once. */
export function formatSkipSummary(notes: readonly SkipNote[], rootDir: string): string[] {
  if (notes.length === 0) return [];
  const byFile = new Map<string, Set<string>>();
  for (const note of notes) {
    const file = path.isAbsolute(note.testPath) ? path.relative(rootDir, note.testPath) : note.testPath;
    byFile.set(file, (byFile.get(file) ?? new Set()).add(note.reason));
  }
  const lines = ['Skipped integration tests (they fail instead under CI=true):'];
  for (const [file, reasons] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    for (const reason of reasons) lines.push(`  ${file}: ${reason}`);
  }
  return lines;
}

/** Reads the notes the workers wrote; lines that are not notes are ignored. */
export function readSkipNotes(file: string): SkipNote[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((line) => {
    try {
      const note = JSON.parse(line) as SkipNote;
      return typeof note.reason === 'string' && typeof note.testPath === 'string' ? [note] : [];
    } catch {
      return [];
    }
  });
}

/**
 * A jest reporter (after jest's `default`) that ends the run with why integration tests were
 * skipped, one line per test file and reason, so `Tests: 14 skipped` never stands unexplained.
 * It hands its workers a file through {@link SKIP_LOG_VARIABLE} before they start.
 */
export default class SkipReasonReporter {
  private readonly file: string;
  private readonly rootDir: string;

  constructor(globalConfig: { readonly rootDir: string }) {
    this.rootDir = globalConfig.rootDir;
    this.file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jest-skips-')), 'skips.jsonl');
    process.env[SKIP_LOG_VARIABLE] = this.file;
  }

  onRunComplete(): void {
    const lines = formatSkipSummary(readSkipNotes(this.file), this.rootDir);
    if (lines.length > 0) process.stderr.write(`\n${lines.join('\n')}\n`);
    fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
  }

  getLastError(): undefined {
    return undefined;
  }
}
