import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireService } from '@blog-data/test-support';
import { mirrorCliConfig } from '../src/terraform';

/**
 * The environment for running terraform offline in tests, or `undefined`
 * (skip) when terraform or a provider mirror is missing outside CI. Under
 * CI=true both are required.
 */
export function offlineTerraformEnv(workDir: string): NodeJS.ProcessEnv | undefined {
  const hasTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
  if (!requireService('terraform', 'install terraform ≥ 1.10', hasTerraform ? 'on PATH' : undefined)) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const cliConfig = env.TF_CLI_CONFIG_FILE && fs.existsSync(env.TF_CLI_CONFIG_FILE) ? env.TF_CLI_CONFIG_FILE : undefined;
  if (cliConfig) return env;
  const mirror = requireService(
    'TF_CLI_CONFIG_FILE or TF_PLUGIN_MIRROR',
    'run `eval "$(scripts/test-services.sh env)"` (offline provider mirror)',
    env.TF_PLUGIN_MIRROR,
  );
  if (!mirror) return undefined;
  fs.mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, 'terraformrc');
  fs.writeFileSync(file, mirrorCliConfig(mirror));
  return { ...env, TF_CLI_CONFIG_FILE: file };
}

/** Runs terraform synchronously; returns status and combined output. */
export function terraform(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): { status: number; output: string } {
  const r = spawnSync('terraform', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
