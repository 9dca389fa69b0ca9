import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '@blog-data/cli-kit';

/** How terraform is run for one stack directory. */
export interface TerraformRun {
  /** `cdktf.out/stacks/<stack>`. */
  readonly cwd: string;
  /** Arguments after `terraform`. */
  readonly args: readonly string[];
  /** Environment of the child; see {@link terraformEnvironment}. */
  readonly env: NodeJS.ProcessEnv;
  /** Where terraform's output goes: the terminal, stderr (with `--json`) or captured. */
  readonly output: 'inherit' | 'stderr' | 'capture';
}

/** Exit code and, with `output: 'capture'`, what terraform printed. */
export interface TerraformResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails early, with a fix, when terraform is not installed. */
export function assertTerraformAvailable(env: NodeJS.ProcessEnv = process.env): string {
  const probe = spawnSync('terraform', ['version', '-json'], { env, encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new UserError('terraform is not on PATH', 'PATH', 'install terraform ≥ 1.10 (native S3 locking needs it)');
  }
  return (JSON.parse(probe.stdout) as { terraform_version: string }).terraform_version;
}

/**
 * The child environment: no update checks, no prompts for input, and an offline
 * provider mirror when `TF_PLUGIN_MIRROR` names one and no existing `TF_CLI_CONFIG_FILE`
 * is set (a CLI config is written under `workDir` for it).
 */
export function terraformEnvironment(workDir: string, environ: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...environ, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  // A CLI config variable naming a file that does not exist counts as unset (terraform only warns about it).
  const configured = env.TF_CLI_CONFIG_FILE && fs.existsSync(env.TF_CLI_CONFIG_FILE);
  if (!configured && env.TF_PLUGIN_MIRROR) {
    fs.mkdirSync(workDir, { recursive: true });
    const file = path.join(workDir, 'terraformrc');
    fs.writeFileSync(file, mirrorCliConfig(env.TF_PLUGIN_MIRROR));
    env.TF_CLI_CONFIG_FILE = file;
  }
  return env;
}

/** A terraform CLI config that installs providers only from a local mirror directory. */
export function mirrorCliConfig(mirror: string): string {
  return `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`;
}

/** Runs terraform; resolves with its exit code (never rejects on a non-zero exit). */
export function runTerraform(run: TerraformRun): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    const stdio: ('inherit' | 'pipe')[] =
      run.output === 'inherit' ? ['inherit', 'inherit', 'inherit'] : run.output === 'stderr' ? ['inherit', 'pipe', 'inherit'] : ['inherit', 'pipe', 'pipe'];
    const child = spawn('terraform', [...run.args], { cwd: run.cwd, env: run.env, stdio });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (run.output === 'stderr') process.stderr.write(chunk);
      else stdout += chunk.toString();
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (err) => reject(new UserError(`terraform could not start (${err.message})`, 'PATH', 'install terraform ≥ 1.10 and put it on PATH')));
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
