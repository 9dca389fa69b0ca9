import { Command, CommanderError } from 'commander';
import { awsCredentialsError, silenceAwsSdkWarnings } from './aws';
import { EXIT } from './exit-codes';
import { redactJson, redactSecrets } from './redact';
import { OutputStream } from './style';
import { formatProblem, isErrorLike, messageOf, Problem, UserError } from './user-error';

/** What a CLI reads from and writes to the process; tests pass buffers and their own env. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The process's streams, environment and directory. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** What a command's action may tell {@link runCli}. */
export interface CliContext {
  /** The CLI's io, with every write redacted ({@link redactingIo}). */
  readonly io: CliIo;
  /** Sets the exit code of a command that completed (e.g. 1 for failed doctor checks, 3 for plan changes). */
  setExitCode(code: number): void;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Turns a library's error into a {@link UserError} (tried before the built-in AWS translation). */
  readonly translate?: (err: unknown) => UserError | undefined;
}

/**
 * Runs a commander program the same way in every CLI:
 * - `--help`/`--version` exit 0; commander's usage errors are one `error:` line and exit 2;
 * - a {@link UserError} prints `error: <what> (<where>): <how to fix>` per problem, its detail
 *   lines, the stack with `--verbose`, and exits with its code; with `--json` the problems are
 *   also a JSON document on stdout;
 * - AWS credential failures become one line saying how to provide credentials;
 * - anything else is `error: unexpected failure (…)`, exit 1;
 * - credentials embedded in URLs are redacted from everything written: errors, and whatever the
 *   commands write through the io they are given (results, progress, `--json` documents).
 * Resolves with the exit code; never calls `process.exit`.
 */
export async function runCli<Io extends CliIo>(
  argv: readonly string[],
  rawIo: Io,
  build: (ctx: CliContext & { readonly io: Io }) => Command,
  options: RunCliOptions = {},
): Promise<number> {
  silenceAwsSdkWarnings();
  let exitCode: number = EXIT.ok;
  const io = redactingIo(rawIo);
  const program = build({
    io,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  configureRecursively(program, io);
  // `pnpm start -- plan` hands a literal `--` first; commander would read it as end-of-options.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const verbose = args.includes('--verbose');
  const json = args.includes('--json');
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(err, io, { verbose, json, translate: options.translate });
  }
}

/**
 * The same io whose streams redact credentials in URLs from every write: a command may print a
 * URL a user configured (`PREFECT_API_URL=https://user:pass@…`, a registry URL) in a result,
 * a progress line or a JSON document, and none of them may repeat the password. Other fields
 * (an abort signal…) are kept.
 */
export function redactingIo<Io extends CliIo>(io: Io): Io {
  return { ...io, stdout: redactingStream(io.stdout), stderr: redactingStream(io.stderr) };
}

function redactingStream(stream: OutputStream): OutputStream {
  if ((stream as { [REDACTING]?: true })[REDACTING]) return stream;
  return {
    [REDACTING]: true,
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    write: (text: string) => stream.write(redactSecrets(String(text))),
  } as OutputStream;
}

const REDACTING = Symbol('redacting');

/** Prints an error as {@link runCli} does; returns its exit code. Exported for CLIs that catch per item. */
export function report(err: unknown, io: CliIo, options: { verbose?: boolean; json?: boolean; translate?: RunCliOptions['translate'] } = {}): number {
  const known = err instanceof UserError ? err : (options.translate?.(err) ?? awsCredentialsError(err));
  const problems: readonly Problem[] = known
    ? known.problems()
    : [{ what: 'unexpected failure', where: messageOf(err), fix: 'run again with --verbose and report it' }];
  const exitCode = known ? known.exitCode : EXIT.failure;
  const write = (stream: OutputStream, text: string) => stream.write(`${redactSecrets(text)}\n`);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(redactJson({ ok: false, exitCode, errors: problems }), null, 2)}\n`);
  }
  for (const problem of problems) write(io.stderr, `error: ${formatProblem(problem)}`);
  for (const line of known?.detail ?? []) write(io.stderr, line);
  if (options.verbose) {
    const stack = isErrorLike(err) ? err.stack : undefined;
    if (stack) write(io.stderr, stack);
    const cause = (known as { cause?: unknown } | undefined)?.cause ?? (isErrorLike(err) ? err.cause : undefined);
    if (isErrorLike(cause) && cause.stack) write(io.stderr, `caused by: ${cause.stack}`);
  }
  return exitCode;
}

/**
 * Every command: throw instead of exiting, write to the CLI's streams, and print commander's own
 * errors as `error: <what> (command line): <fix>` naming the command's --help.
 */
function configureRecursively(command: Command, io: CliIo): void {
  command.exitOverride();
  command.showSuggestionAfterError(true);
  command.configureOutput({
    writeOut: (s) => io.stdout.write(redactSecrets(s)),
    writeErr: (s) => io.stderr.write(redactSecrets(s)),
    outputError: (message, write) => write(`${commanderErrorLine(message, commandPath(command))}\n`),
  });
  for (const sub of command.commands) configureRecursively(sub, io);
}

/** commander's `error: unknown option '--x'\n(Did you mean --y?)` as one line of the kit's shape. */
export function commanderErrorLine(message: string, path: string): string {
  const [first, ...rest] = message.trim().split('\n');
  const what = first.replace(/^error:\s*/, '');
  const suggestion = rest.join(' ').match(/\(Did you mean (.+)\?\)/);
  const help = `see \`${path} --help\``;
  return `error: ${formatProblem({ what, where: 'command line', fix: suggestion ? `did you mean ${suggestion[1]}? ${help}` : help })}`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
