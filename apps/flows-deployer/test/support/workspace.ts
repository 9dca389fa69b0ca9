import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryFlowCodeStore } from './memory-flow-code-store';
import { main } from '../../src/cli';

/** The app's own example manifest and flows. */
export const APP_DIR = path.join(__dirname, '..', '..');

/** Platform outputs as `terraform output -json` prints them. */
export const TERRAFORM_OUTPUTS = {
  ecs_cluster_arn: { value: 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev', type: 'string', sensitive: false },
  ecs_cluster_name: { value: 'prefect-dev', type: 'string', sensitive: false },
  vpc_id: { value: 'vpc-0a1b2c3d4e5f60718', type: 'string', sensitive: false },
  task_subnet_ids: { value: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'], type: ['list', 'string'], sensitive: false },
  assign_public_ip: { value: true, type: 'bool', sensitive: false },
  flow_run_security_group_id: { value: 'sg-0f1e2d3c4b5a69788', type: 'string', sensitive: false },
  execution_role_arn: { value: 'arn:aws:iam::111111111111:role/blog-data-dev-ecs-execution', type: 'string', sensitive: false },
  flow_run_task_role_arn: { value: 'arn:aws:iam::111111111111:role/blog-data-dev-flow-run', type: 'string', sensitive: false },
  api_auth_secret_arn: {
    value: 'arn:aws:secretsmanager:eu-west-2:111111111111:secret:blog-data-dev/prefect-api-auth-Ab12Cd',
    type: 'string',
    sensitive: false,
  },
  log_group_flow_runs: { value: '/ecs/dev/prefect-flow-runs', type: 'string', sensitive: false },
  ecr_repository_url: { value: '111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data', type: 'string', sensitive: false },
  prefect_api_url: { value: 'http://blog-data-dev-alb.example.invalid/api', type: 'string', sensitive: false },
  flow_storage_bucket: { value: 'blog-data-prefect-flows-dev-111111111111', type: 'string', sensitive: false },
};

/** A scratch copy of the example project (prefect.yaml + flows/) plus an outputs file. */
export class Workspace {
  static create(): Workspace {
    return new Workspace(mkdtempSync(path.join(tmpdir(), 'flows-deployer-')));
  }

  private constructor(readonly dir: string) {
    cpSync(path.join(APP_DIR, 'prefect.yaml'), this.manifest);
    cpSync(path.join(APP_DIR, 'flows'), path.join(dir, 'flows'), { recursive: true });
    writeFileSync(this.outputs, JSON.stringify(TERRAFORM_OUTPUTS));
  }

  get manifest(): string {
    return path.join(this.dir, 'prefect.yaml');
  }

  get outputs(): string {
    return path.join(this.dir, 'outputs.json');
  }

  /** Rewrites the manifest text. */
  editManifest(edit: (text: string) => string): void {
    const before = readFileSync(this.manifest, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error('editManifest changed nothing');
    writeFileSync(this.manifest, after);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, for --json runs. */
  json<T = any>(): T;
}

/** Runs the real CLI entry in-process with its own environment; `isTty` makes both streams terminals. */
export async function runCli(
  args: readonly string[],
  environ: NodeJS.ProcessEnv,
  isTty = false,
  flowCodeStore: MemoryFlowCodeStore = new MemoryFlowCodeStore(),
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) => ({ isTTY: isTty, columns: 120, write: (text: string) => sink.push(text) });
  const code = await main(args, { stdout: stream(out), stderr: stream(err), env: environ, cwd: process.cwd() }, { flowCodeStore });
  // Without the final newline, so tests compare whole outputs.
  const stdout = out.join('').replace(/\n$/, '');
  return { code, stdout, stderr: err.join('').replace(/\n$/, ''), json: () => JSON.parse(stdout) };
}
