import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, PlatformConfig } from '@blog-data/config';
import { App } from 'cdktf';
import { pinnedImages } from './image-results';
import { BootstrapStack } from './stacks/bootstrap-stack';
import { PlatformStack } from './stacks/platform-stack';
import { BackendKind, stackNames } from './stacks/stack-settings';
import { terraformLiterals } from './terraform-literal';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Environment to build (`dev`, `staging`, `prod`); default `PLATFORM_ENV`, then `dev`. */
  readonly env?: string;
  /** Already validated settings; when given, `env` and `environ` are not read. */
  readonly config?: PlatformConfig;
  /** Variables for `PLATFORM_*` overrides; default `process.env`. */
  readonly environ?: NodeJS.ProcessEnv;
  /** Terraform backend of both stacks. Default `s3`. */
  readonly backend?: BackendKind;
  /** Directory the stacks are synthesized into. Default `cdktf.out`. */
  readonly outdir?: string;
  /** AWS emulator endpoint (the local rehearsal); default: none, real AWS. */
  readonly emulatorEndpoint?: string;
  /** Whether the stacks may be applied, so both images must be pinned by digest. Default true (false: output, destroy). */
  readonly forApply?: boolean;
}

/** The synthesizable app of one environment and its two stacks. */
export interface PlatformApp {
  readonly app: App;
  readonly config: PlatformConfig;
  /** Account-level stack, applied first. */
  readonly bootstrap: BootstrapStack;
  /** The environment's platform. */
  readonly platform: PlatformStack;
}

/**
 * Builds (does not synthesize) the stacks of one environment. Settings are
 * loaded and validated first, so bad settings throw `ConfigError` before
 * anything is constructed or written.
 */
export function buildApp(options: BuildAppOptions = {}): PlatformApp {
  const config = options.config ?? loadConfig({ env: options.env, environ: options.environ });
  // Before anything is written: the task definitions' images must be pinned by digest.
  const images = pinnedImages(config, { forApply: options.forApply });
  // Every settings string reaches terraform as a literal, never as an expression.
  const settings = { config: terraformLiterals(config), backend: options.backend ?? 's3', emulatorEndpoint: options.emulatorEndpoint, images };
  const outdir = options.outdir ?? 'cdktf.out';
  // cdktf creates the outdir itself, but not its parents.
  fs.mkdirSync(path.dirname(path.resolve(outdir)), { recursive: true });
  const app = new App({ outdir, skipValidation: false });
  const names = stackNames(config);
  const bootstrap = new BootstrapStack(app, names.bootstrap, settings);
  const platform = new PlatformStack(app, names.platform, settings);
  return { app, config, bootstrap, platform };
}

export { stackNames };
