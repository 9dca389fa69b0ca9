import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Runs one job of a CircleCI config the way a fresh machine would: every step in order, `run`
 * commands executed by bash in a sandbox (fresh HOME, a PATH with node and the base OS tools only),
 * orb steps replaced by stand-ins that do what the pinned orb's source does. The first failing step
 * stops the job, as on CircleCI. Stand-ins and what they model:
 *
 * - `node/install` (circleci/node@7.1.0 src/commands/install.yml): node (+npm) on PATH; pnpm only
 *   when `install-pnpm` is true (install-pnpm.sh: `npm install -g pnpm@<version>`).
 * - `terraform/install`: terraform on PATH at the requested version.
 * - `aws-cli/setup` (circleci/aws-cli@5.1.1 assume_role_with_web_identity.sh + configure.sh):
 *   fails without `$CIRCLE_OIDC_TOKEN_V2`, writes the profile's keys under `~/.aws`; the `aws`
 *   binary itself is a stub that fails, so a deploy that shells out to the CLI fails here.
 * - `nx/set-shas` (nrwl/nx@1.7.0 set-shas.sh + find-successful-workflow.js): on the main branch
 *   without `CIRCLE_API_TOKEN` the API lookup fails; with `error-on-no-successful-workflow` that
 *   exits 1, otherwise it falls back to HEAD~1 (the empty tree when there is none). With a token,
 *   the last successful pipeline is taken to be HEAD (nothing changed since).
 * - Ubuntu 24.04's python3 refuses `pip install` outside a virtualenv (PEP 668).
 */
export interface SandboxJobOptions {
  /** Repository whose tracked and untracked-not-ignored files are "checked out". */
  readonly repoRoot: string;
  /** The parsed `.circleci/config.yml`. */
  readonly config: CircleConfig;
  /** Job to run. */
  readonly job: string;
  /** Branch the pipeline runs on (`$CIRCLE_BRANCH`). */
  readonly branch: string;
  /** Pipeline parameter values (`<< pipeline.parameters.x >>`). Default: the declared defaults. */
  readonly pipelineParameters?: Readonly<Record<string, unknown>>;
  /** Variables of each context the project may use, by context name. */
  readonly contexts?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Contexts the workflow attaches to this job. */
  readonly jobContexts?: readonly string[];
  /** Host directories that stand in for warm caches, by the cached path (`~/.pnpm-store`). */
  readonly caches?: Readonly<Record<string, string>>;
  /**
   * Step names that are too heavy to run inside a test (the full test suite): their command is
   * checked instead — programs resolve on the sandbox PATH, `$VARS` are set, scripts parse.
   */
  readonly resolveOnly?: readonly string[];
}

/** A parsed CircleCI config (the parts the sandbox reads). */
export interface CircleConfig {
  readonly parameters?: Record<string, { default?: unknown }>;
  readonly executors?: Record<string, { environment?: Record<string, string> }>;
  readonly commands?: Record<string, { parameters?: Record<string, { default?: unknown }>; steps: unknown[] }>;
  readonly jobs: Record<string, { executor?: string; environment?: Record<string, string>; steps: unknown[] }>;
}

/** What one step did. */
export interface StepOutcome {
  readonly step: string;
  readonly ok: boolean;
  readonly output: string;
  /** Wall time, seconds. */
  readonly seconds?: number;
}

/** The job's outcome: every step that ran, the last one the failure if any. */
export interface JobOutcome {
  readonly ok: boolean;
  readonly steps: readonly StepOutcome[];
  /** `<step>: <last lines of output>` of the failing step. */
  readonly failure?: string;
}

/** The base OS commands a CircleCI Ubuntu machine has; nothing the repo installs itself. */
const BASE_TOOLS = [
  'bash', 'sh', 'env', 'git', 'cat', 'mkdir', 'rm', 'cp', 'ln', 'mv', 'echo', 'printf', 'grep', 'sed', 'awk',
  'tr', 'cut', 'head', 'tail', 'dirname', 'basename', 'id', 'mktemp', 'chmod', 'sort', 'uniq', 'xargs', 'find',
  'tar', 'gzip', 'readlink', 'realpath', 'touch', 'ls', 'wc', 'tee', 'date', 'sleep', 'uname', 'true', 'false',
  'test', 'expr', 'seq', 'sha256sum', 'diff', 'cmp',
];

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Runs `options.job` in a new sandbox; the sandbox is removed afterwards. */
export function runJobInSandbox(options: SandboxJobOptions): JobOutcome {
  const root = mkdtempSync(join(tmpdir(), 'pipeline-sandbox-'));
  try {
    return new Sandbox(root, options).run();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

class Sandbox {
  private readonly home: string;
  private readonly bin: string;
  private readonly project: string;
  private readonly bashEnv: string;
  private readonly outcomes: StepOutcome[] = [];

  constructor(root: string, readonly options: SandboxJobOptions) {
    this.home = join(root, 'home');
    this.bin = join(root, 'bin');
    this.project = join(this.home, 'project');
    this.bashEnv = join(root, 'bash-env');
    mkdirSync(this.home, { recursive: true });
    mkdirSync(this.bin);
    writeFileSync(this.bashEnv, '');
    for (const tool of BASE_TOOLS) linkTool(this.bin, tool);
    this.writeOsStandIns();
  }

  run(): JobOutcome {
    const job = this.options.config.jobs[this.options.job];
    if (!job) throw new Error(`job ${this.options.job} is not in the config`);
    const steps = this.expand(job.steps, {});
    for (const step of steps) {
      const started = Date.now();
      const outcome = { ...this.runStep(step, job), seconds: (Date.now() - started) / 1000 };
      this.outcomes.push(outcome);
      if (!outcome.ok) {
        const tail = outcome.output.trim().split('\n').slice(-6).join('\n');
        return { ok: false, steps: this.outcomes, failure: `${outcome.step}: ${tail}` };
      }
    }
    return { ok: true, steps: this.outcomes };
  }

  /** Expands reusable commands and when/unless into a flat list of `{name: args}` steps. */
  private expand(steps: unknown[], params: Record<string, unknown>): Array<[string, any]> {
    const out: Array<[string, any]> = [];
    for (const raw of steps) {
      const [name, args] = typeof raw === 'string' ? [raw, {}] : Object.entries(raw as object)[0]!;
      const resolved = this.substitute(args, params);
      if (name === 'when' || name === 'unless') {
        const condition = truthy(resolved.condition);
        if ((name === 'when') === condition) out.push(...this.expand(resolved.steps, params));
        continue;
      }
      const command = this.options.config.commands?.[name];
      if (command) {
        const defaults = Object.fromEntries(Object.entries(command.parameters ?? {}).map(([k, v]) => [k, v.default]));
        out.push(...this.expand(command.steps, { ...defaults, ...(resolved ?? {}) }));
        continue;
      }
      out.push([name, resolved ?? {}]);
    }
    return out;
  }

  /** `<< parameters.x >>` and `<< pipeline.parameters.x >>` in every string of `value`. */
  private substitute(value: any, params: Record<string, unknown>): any {
    if (typeof value === 'string') {
      const pipeline = this.pipelineParameters();
      const whole = /^<<\s*(pipeline\.)?parameters\.([\w-]+)\s*>>$/.exec(value);
      if (whole) return whole[1] ? pipeline[whole[2]!] : params[whole[2]!];
      return value.replace(/<<\s*(pipeline\.)?parameters\.([\w-]+)\s*>>/g, (_, p, k) => String(p ? pipeline[k] : params[k]));
    }
    if (Array.isArray(value)) return value.map((v) => this.substitute(v, params));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.substitute(v, params)]));
    }
    return value;
  }

  private pipelineParameters(): Record<string, unknown> {
    const declared = this.options.config.parameters ?? {};
    const defaults = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.default]));
    return { ...defaults, ...this.options.pipelineParameters };
  }

  private env(job: CircleConfig['jobs'][string], stepEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
    const executorEnv = (job.executor && this.options.config.executors?.[job.executor]?.environment) || {};
    const contextEnv = Object.assign({}, ...(this.options.jobContexts ?? []).map((c) => this.options.contexts?.[c] ?? {}));
    return {
      HOME: this.home,
      PATH: this.bin,
      BASH_ENV: this.bashEnv,
      LANG: 'C.UTF-8',
      CI: 'true',
      CIRCLECI: 'true',
      CIRCLE_BRANCH: this.options.branch,
      CIRCLE_JOB: this.options.job,
      CIRCLE_WORKING_DIRECTORY: this.project,
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/example/blog-data/1',
      // A v2 OIDC token is always present in a CircleCI job; its content matters to AWS only.
      CIRCLE_OIDC_TOKEN_V2: 'header.payload.signature',
      // No network here: pip must not wait on an index for what is already installed.
      PIP_NO_INDEX: '1',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      ...executorEnv,
      ...job.environment,
      ...contextEnv,
      ...stepEnv,
    };
  }

  private runStep([name, args]: [string, any], job: CircleConfig['jobs'][string]): StepOutcome {
    if (name === 'run') {
      const run = typeof args === 'string' ? { command: args } : args;
      const label = run.name ?? run.command.split('\n')[0];
      if (this.options.resolveOnly?.includes(label)) return this.resolve(label, run.command, this.env(job, run.environment));
      return this.bash(label, run.command, this.env(job, run.environment));
    }
    const standIn = STAND_INS[name];
    if (!standIn) return { step: name, ok: false, output: `no stand-in for step "${name}": model it in projenrc/testing/pipeline-sandbox.ts` };
    try {
      const output = standIn.call(this, args, this.env(job));
      return { step: name, ok: true, output };
    } catch (err) {
      return { step: name, ok: false, output: (err as Error).message };
    }
  }

  bash(step: string, command: string, env: NodeJS.ProcessEnv): StepOutcome {
    const cwd = existsSync(this.project) ? this.project : this.home;
    // stdin must not be a socket: bash would take itself for an rshd child and read ~/.bashrc, not $BASH_ENV.
    const r = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', command], { cwd, env, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
    return { step, ok: r.status === 0, output };
  }

  /** Checks a command without running it: its programs resolve, its variables are set, its scripts parse. */
  private resolve(step: string, command: string, env: NodeJS.ProcessEnv): StepOutcome {
    const words = command.replace(/sudo -E env "PATH=\$PATH"/g, '').split(/\s+/).filter(Boolean);
    const checks = [`type -P ${words[0]} >/dev/null || { echo "${words[0]}: command not found"; exit 127; }`];
    for (const variable of new Set(command.match(/\$[A-Z_]+/g) ?? [])) {
      if (variable === '$PATH') continue;
      checks.push(`[ -n "${variable}" ] || { echo "${variable} is not set"; exit 1; }`);
    }
    for (const path of words.filter((w) => /^scripts\/.*\.sh$/.test(w))) checks.push(`bash -n ${path}`);
    return this.bash(step, checks.join('\n'), env);
  }

  checkout(): string {
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: this.options.repoRoot, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && existsSync(join(this.options.repoRoot, f)));
    for (const file of files) {
      mkdirSync(dirname(join(this.project, file)), { recursive: true });
      cpSync(join(this.options.repoRoot, file), join(this.project, file), { verbatimSymlinks: true });
    }
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...a], { cwd: this.project, stdio: 'pipe' });
    git('init', '-q', '-b', this.options.branch);
    git('add', '-A');
    git('commit', '-q', '-m', 'checkout');
    return `checked out ${files.length} files on ${this.options.branch}`;
  }

  link(tool: string, target: string): void {
    rmSync(join(this.bin, tool), { force: true });
    symlinkSync(target, join(this.bin, tool));
  }

  appendBashEnv(line: string): void {
    appendFileSync(this.bashEnv, `${line}\n`);
  }

  /** Variables after BASH_ENV, as a later step sees them. */
  shellValue(env: NodeJS.ProcessEnv, expression: string): string {
    const r = spawnSync('/bin/bash', ['-c', `printf '%s' "${expression}"`], { cwd: this.home, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return r.stdout;
  }

  get homeDir(): string {
    return this.home;
  }

  get projectDir(): string {
    return this.project;
  }

  private writeOsStandIns(): void {
    // Passwordless sudo as on CircleCI machines; the sandbox already runs as the job's user.
    script(this.bin, 'sudo', '#!/bin/bash\nwhile [ "${1:-}" != "${1#-}" ]; do shift; done\nexec "$@"\n');
    // Ubuntu 24.04's system python (PEP 668): pip outside a virtualenv is refused.
    // The interpreter itself, not a version-manager shim in front of it.
    const python = execFileSync(hostTool('python3'), ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    script(
      this.bin,
      'python3',
      `#!/bin/bash
if [ "\${1:-}" = -m ] && [ "\${2:-}" = pip ] && printf '%s\\n' "$@" | grep -qx install; then
  echo "error: externally-managed-environment" >&2
  echo "× This environment is externally managed (PEP 668): use a virtual environment" >&2
  exit 1
fi
exec ${python} "$@"
`,
    );
    // The orb installs the AWS CLI; this sandbox has none, so any use of it fails loudly.
    script(this.bin, 'aws', '#!/bin/bash\necho "aws: the AWS CLI is not available in the pipeline sandbox (use the AWS SDK)" >&2\nexit 127\n');
  }
}

type StandIn = (this: Sandbox, args: any, env: NodeJS.ProcessEnv) => string;

const STAND_INS: Record<string, StandIn> = {
  'checkout'() {
    return this.checkout();
  },
  'node/install'(args) {
    for (const tool of ['node', 'npm', 'npx']) this.link(tool, hostTool(tool));
    if (!truthy(args['install-pnpm'])) return 'node installed; pnpm not requested (install-pnpm is false)';
    const host = execFileSync(hostTool('pnpm'), ['--version'], { encoding: 'utf8' }).trim();
    const wanted = String(args['pnpm-version'] ?? '');
    if (wanted !== host) throw new Error(`node/install stand-in provides pnpm ${host}; the config asks for "${wanted}" (pin it)`);
    this.link('pnpm', hostTool('pnpm'));
    return `node and pnpm ${host} installed`;
  },
  'restore_cache'(args) {
    const restored: string[] = [];
    for (const [path, source] of Object.entries(this.options.caches ?? {})) {
      const target = path.replace(/^~/, this.homeDir);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(source, target);
      restored.push(path);
    }
    return `restored ${restored.join(', ') || 'nothing'} (${args.name ?? 'cache'})`;
  },
  'save_cache'(args) {
    return `saved ${(args.paths ?? []).join(', ')}`;
  },
  'terraform/install'(args) {
    const host = execFileSync(hostTool('terraform'), ['version', '-json'], { encoding: 'utf8' });
    const version = JSON.parse(host).terraform_version;
    if (String(args.terraform_version) !== version) throw new Error(`terraform/install stand-in has ${version}, asked for ${args.terraform_version}`);
    this.link('terraform', hostTool('terraform'));
    return `terraform ${version}`;
  },
  'aws-cli/setup'(args, env) {
    if (!args.role_arn || !args.role_session_name) throw new Error('aws-cli/setup: role_arn and role_session_name are required for OIDC');
    if (!env.CIRCLE_OIDC_TOKEN_V2) throw new Error('OIDC Token cannot be found.');
    const seconds = Number(args.session_duration ?? 3600);
    if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43200) throw new Error(`aws-cli/setup: session_duration ${args.session_duration}`);
    const profile = args.profile_name ?? 'default';
    mkdirSync(join(this.homeDir, '.aws'), { recursive: true });
    appendFileSync(join(this.homeDir, '.aws', 'credentials'), `[${profile}]\naws_access_key_id = ASIASANDBOX\naws_secret_access_key = sandbox\naws_session_token = sandbox\n`);
    appendFileSync(join(this.homeDir, '.aws', 'config'), `[profile ${profile}]\nregion = ${args.region}\n`);
    if (args.set_aws_env_vars === undefined || truthy(args.set_aws_env_vars)) {
      this.appendBashEnv('export AWS_CLI_STR_ACCESS_KEY_ID="ASIASANDBOX"');
    }
    return `assumed ${args.role_arn} as profile ${profile}`;
  },
  'nx/set-shas'(args, env) {
    for (const tool of ['node', 'git']) {
      if (!this.shellValue(env, `$(type -P ${tool})`)) throw new Error(`nx/set-shas: ${tool} is not on PATH`);
    }
    const main = String(args['main-branch-name'] ?? 'main');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: this.projectDir, encoding: 'utf8' }).trim();
    let base = head;
    if (env.CIRCLE_BRANCH === main && !env.CIRCLE_API_TOKEN) {
      if (truthy(args['error-on-no-successful-workflow'])) {
        throw new Error(`Unable to find a successful workflow run on 'origin/${main}' (no CIRCLE_API_TOKEN)`);
      }
      base = EMPTY_TREE; // HEAD~1 does not exist in a one-commit checkout.
    }
    this.appendBashEnv(`export NX_BASE="${base}";`);
    this.appendBashEnv(`export NX_HEAD="${head}";`);
    return `NX_BASE=${base} NX_HEAD=${head}`;
  },
};

function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

function hostTool(tool: string): string {
  const r = spawnSync('/bin/bash', ['-c', `type -P ${tool}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (!path) throw new Error(`${tool} is not installed on this machine`);
  return path;
}

function linkTool(bin: string, tool: string): void {
  for (const dir of ['/usr/bin', '/bin']) {
    if (existsSync(join(dir, tool))) {
      symlinkSync(join(dir, tool), join(bin, tool));
      return;
    }
  }
}

function script(bin: string, name: string, text: string): void {
  writeFileSync(join(bin, name), text, { mode: 0o755 });
}
