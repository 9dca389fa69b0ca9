import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { CircleConfig, runJobInSandbox, SandboxJobOptions } from './testing/pipeline-sandbox';

const repoRoot = join(__dirname, '..');
const config = parse(readFileSync(join(repoRoot, '.circleci', 'config.yml'), 'utf8')) as CircleConfig & { workflows: any };

/** The contexts an org admin creates (README "Deploy to AWS for real"), with stand-in values. */
const CONTEXTS = Object.fromEntries(
  ['dev', 'staging', 'prod'].map((env) => [`blog-data-${env}-deploy`, { CIRCLE_API_TOKEN: 'circleci-user-token' }]),
);

/** The workflow's entry for `job`: its branch filter and contexts. */
function workflowEntry(job: string): { branch: string; contexts: string[] } {
  for (const entry of config.workflows['check-and-deploy'].jobs) {
    const [name, options] = typeof entry === 'string' ? [entry, {}] : Object.entries(entry)[0]!;
    if (name !== job) continue;
    const only = (options as any).filters?.branches?.only;
    const context = (options as any).context ?? [];
    return { branch: Array.isArray(only) ? only[0] : only ?? 'feature/sandbox', contexts: Array.isArray(context) ? context : [context] };
  }
  throw new Error(`${job} is not in the check-and-deploy workflow`);
}

/** The machine's pnpm store plays the warm cache `restore_cache` brings back. */
const pnpmStore = dirname(execFileSync('pnpm', ['store', 'path'], { cwd: repoRoot, encoding: 'utf8' }).trim());

function runJob(job: string, branch?: string) {
  const entry = workflowEntry(job);
  return runJobInSandbox({
    repoRoot,
    config,
    job,
    branch: branch ?? entry.branch,
    contexts: CONTEXTS,
    jobContexts: entry.contexts,
    caches: { '~/.pnpm-store': pnpmStore },
    // The full lint/build/test suite is what this very test is part of: checked, not re-run.
    resolveOnly: ['Lint, build and test what changed'],
  });
}

/** A one-job config around `steps` (or a whole config), run in a sandbox over a one-file repository. */
function runSteps(steps: unknown[] | CircleConfig, options: Partial<SandboxJobOptions> = {}) {
  const repo = mkdtempSync(join(tmpdir(), 'pipeline-repo-'));
  writeFileSync(join(repo, 'README.md'), 'x\n');
  execFileSync('git', ['init', '-q'], { cwd: repo });
  const circle = Array.isArray(steps) ? { jobs: { job: { steps } } } : steps;
  return runJobInSandbox({ repoRoot: repo, config: circle, job: 'job', branch: 'main', ...options });
}

const MINUTES = 60_000;

describe('the pipeline sandbox catches what would break a real first build', () => {
  it('fails a step that uses pnpm before node/install was asked to install it', () => {
    const outcome = runSteps(['checkout', { 'node/install': { 'node-version': '20.19' } }, { run: { name: 'Install', command: 'pnpm --version' } }]);
    expect(outcome.failure).toMatch(/^Install: .*pnpm: command not found/s);
  });

  it('fails pip outside a virtualenv (PEP 668) and passes inside one', () => {
    expect(runSteps([{ run: { name: 'pip', command: "python3 -m pip install 'moto==5.2.1'" } }]).failure).toMatch(/externally-managed-environment/);
    const venv = runSteps([{ run: { name: 'pip', command: 'python3 -m venv --system-site-packages ~/v && ~/v/bin/python -m pip --version' } }]);
    expect(venv.failure).toBeUndefined();
  });

  it('fails nx/set-shas without an API token when a green base is required', () => {
    const steps = ['checkout', { 'node/install': {} }, { 'nx/set-shas': { 'main-branch-name': 'main', 'error-on-no-successful-workflow': true } }];
    expect(runSteps(steps).failure).toMatch(/Unable to find a successful workflow/);
    expect(runSteps(steps, { contexts: { c: { CIRCLE_API_TOKEN: 't' } }, jobContexts: ['c'] }).failure).toBeUndefined();
  });

  it('fails a deploy that shells out to the aws CLI (the SDK reads the orb profiles)', () => {
    expect(runSteps([{ run: { name: 'secret', command: 'aws secretsmanager get-secret-value --secret-id x' } }]).failure).toMatch(/not available/);
  });
});

describe('the generated pipeline, step by step on a fresh machine', () => {
  it('check runs every step in order on a feature branch', () => {
    const outcome = runJob('check', 'feature/sandbox');
    expect(outcome.failure).toBeUndefined();
    expect(outcome.steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(['node/install', 'Install', 'nx/set-shas', 'AWS emulator', 'Lint, build and test what changed']),
    );
  }, 15 * MINUTES);

  it('deploy-prod runs every step in order on main, with the context token and a strict base', () => {
    const outcome = runJob('deploy-prod');
    expect(outcome.failure).toBeUndefined();
    const names = outcome.steps.map((s) => s.step);
    expect(names.indexOf('nx/set-shas')).toBeLessThan(names.indexOf('Deploy what changed to prod'));
    expect(names.filter((n) => n === 'aws-cli/setup')).toHaveLength(2);
  }, 15 * MINUTES);

  it('deploy-all takes the empty tree as base (every file changed) and needs no API token', () => {
    // The setup command's own base steps (when/unless on the pipeline parameter), on a small repository.
    const setup = config.commands!.setup!;
    const baseSteps = setup.steps.filter((s) => typeof s === 'object' && ('when' in (s as object) || 'unless' in (s as object)));
    const everything = 'test "$NX_BASE" = 4b825dc642cb6eb9a060e54bf8d69288fbee4904 && git diff --name-only "$NX_BASE" "$NX_HEAD" | grep -qx README.md';
    const circle: CircleConfig = {
      parameters: config.parameters,
      commands: { setup: { parameters: setup.parameters, steps: ['checkout', { 'node/install': {} }, ...baseSteps] } },
      jobs: { job: { steps: [{ setup: { 'strict-base': true } }, { run: { name: 'base', command: everything } }] } },
    };
    expect(runSteps(circle, { pipelineParameters: { 'deploy-all': true } }).failure).toBeUndefined();
    expect(runSteps(circle).failure).toMatch(/Unable to find a successful workflow/);
  });

  it.each(['dev', 'staging'])('deploy-%s has deploy-prod\'s steps with its own names and values', (env) => {
    const normalize = (job: string, e: string) =>
      JSON.stringify(config.jobs[job]).replace(new RegExp(`\\b${e}\\b`, 'g'), '<env>').replace(/\d{12}/g, '<account>');
    const stripBranch = (s: string) => s.replace(/"deploy-branch":"[^"]+"/, '');
    expect(stripBranch(normalize(`deploy-${env}`, env))).toBe(stripBranch(normalize('deploy-prod', 'prod')));
  });
});
