import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputStream } from '@blog-data/cli-kit';
import { formatRunningLine, formatStepLine, formatStepNotes, findWarnings, StepReport, StepStatus } from './report';
import { CommandResult, runCommand } from './run-command';

/** What a step can do while it runs. */
export interface StepContext {
  /** Runs a command with its output in the step's log; resolves with the result, also on failure. */
  run(argv: readonly string[], options?: { readonly env?: NodeJS.ProcessEnv; readonly onLine?: (line: string) => void }): Promise<CommandResult>;
  /** Like run, but a non-zero exit fails the step (naming the command). */
  mustRun(argv: readonly string[], options?: { readonly env?: NodeJS.ProcessEnv; readonly onLine?: (line: string) => void }): Promise<CommandResult>;
  /** What the step is doing right now (the live line on a terminal). */
  activity(text: string): void;
  /** The few words the step's report line ends with. */
  detail(text: string): void;
  /** Ends the step as skipped or reused, with why. */
  finishAs(status: Extract<StepStatus, 'skipped' | 'reused'>, why: string): void;
}

/** One step of the rehearsal. */
export interface Step {
  readonly title: string;
  /** Log file name under the logs directory; none for steps that run no command. */
  readonly log?: string;
  /** Done before the runner started (by scripts/rehearse.sh, into `log`): reported with this time. */
  readonly tookMilliseconds?: number;
  /** Runs even after an earlier step failed (teardown). */
  readonly always?: boolean;
  readonly run: (context: StepContext) => Promise<void>;
}

/** Where and how the steps run. */
export interface StepRunnerOptions {
  readonly out: OutputStream;
  readonly cwd: string;
  /** Absolute directory of the step logs. */
  readonly logDir: string;
  /** The environment every command starts from; read at each run, so steps can extend it. */
  readonly env: () => NodeJS.ProcessEnv;
  /** Stream every command's output to `out` (the report lines are printed too). */
  readonly verbose: boolean;
  /** Lines of a failed step's log shown in the report. */
  readonly tailLines?: number;
}

/** A step failed: the message is shown in the report. */
export class StepFailure extends Error {}

/**
 * Runs the steps in order, one report line each (redrawn live on a terminal), stopping at the
 * first failure except for `always` steps. Returns what the report needs.
 */
export async function runSteps(steps: readonly Step[], options: StepRunnerOptions): Promise<StepReport[]> {
  fs.mkdirSync(options.logDir, { recursive: true });
  const live = options.out.isTTY === true && !options.verbose;
  const reports: StepReport[] = [];
  // A warning is shown with the first step that prints it (every infra command repeats dev's).
  const shownWarnings = new Set<string>();
  let failed = false;
  for (const [i, step] of steps.entries()) {
    if (failed && !step.always) continue;
    const index = i + 1;
    const started = Date.now();
    const logFile = step.log ? path.join(options.logDir, step.log) : undefined;
    if (logFile && step.tookMilliseconds === undefined) fs.writeFileSync(logFile, '');
    let activity: string | undefined;
    let detail: string | undefined;
    let ending: { status: StepStatus; why: string } | undefined;
    const lines: string[] = [];
    const draw = () => options.out.write(`\r\u001b[K${formatRunningLine(index, steps.length, step.title, Date.now() - started, activity)}`);
    if (options.verbose) options.out.write(`${formatRunningLine(index, steps.length, step.title, 0)}\n`);
    const timer = live ? setInterval(draw, 1000) : undefined;
    if (live) draw();
    const run: StepContext['run'] = async (argv, extra) => {
      if (!logFile) throw new Error(`step "${step.title}" runs commands but has no log`);
      const result = await runCommand({
        argv,
        cwd: options.cwd,
        env: { ...options.env(), ...extra?.env },
        logFile,
        echo: options.verbose ? (options.out as NodeJS.WritableStream) : undefined,
        onLine: (line) => {
          extra?.onLine?.(line);
          if (live && extra?.onLine) draw();
        },
      });
      lines.push(...result.lines);
      return result;
    };
    const context: StepContext = {
      run,
      mustRun: async (argv, extra) => {
        const result = await run(argv, extra);
        if (result.exitCode !== 0) throw new StepFailure(`${argv.slice(0, 3).join(' ')} … exited ${result.exitCode}`);
        return result;
      },
      activity: (text) => {
        activity = text;
        if (live) draw();
      },
      detail: (text) => {
        detail = text;
      },
      finishAs: (status, why) => {
        ending = { status, why };
      },
    };
    let status: StepStatus = 'ok';
    let failure: string | undefined;
    try {
      await step.run(context);
      if (ending) {
        status = ending.status;
        detail = ending.why;
      }
    } catch (error) {
      status = 'failed';
      failure = error instanceof Error ? error.message : String(error);
      if (logFile) fs.appendFileSync(logFile, `\nrehearsal: ${failure}\n`);
    } finally {
      if (timer) clearInterval(timer);
    }
    const report: StepReport = {
      title: step.title,
      status,
      milliseconds: step.tookMilliseconds ?? Date.now() - started,
      detail: failure ?? detail,
      warnings: findWarnings(lines).filter((w) => !shownWarnings.has(w.text)),
      // An empty log (a step that ran no command this time) is not worth a line.
      log: logFile && fs.statSync(logFile).size > 0 ? path.relative(options.cwd, logFile) : undefined,
      tail: status === 'failed' ? lines.filter((l) => l.trim()).slice(-(options.tailLines ?? 12)) : undefined,
    };
    reports.push(report);
    for (const warning of report.warnings) shownWarnings.add(warning.text);
    if (live) options.out.write('\r\u001b[K');
    for (const line of [formatStepLine(index, steps.length, report), ...formatStepNotes(report)]) options.out.write(`${line}\n`);
    if (status === 'failed') failed = true;
  }
  return reports;
}
