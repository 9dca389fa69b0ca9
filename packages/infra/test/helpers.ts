import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeepPartial, ENVIRONMENT_INPUTS, EnvironmentName, mergeDeep, PlatformConfig, PlatformConfigInput, validateConfig } from '@blog-data/config';
import { Testing, TerraformStack } from 'cdktf';
import { buildApp, PlatformApp } from '../src/app';

/** Digests standing in for what image-builder published (task definitions need both). */
export const TEST_DIGESTS = { digest: `sha256:${'a'.repeat(64)}`, deployerDigest: `sha256:${'d'.repeat(64)}` } as const;
/** The same as `PLATFORM_*` variables, for tests that load settings from the environment. */
export const TEST_DIGEST_ENV = { PLATFORM_IMAGE__DIGEST: TEST_DIGESTS.digest, PLATFORM_IMAGE__DEPLOYER_DIGEST: TEST_DIGESTS.deployerDigest };

/**
 * Real-looking AWS and CircleCI ids, as a user sets them (`PLATFORM_*`), for tests that run a
 * command against real AWS: the committed placeholders are refused there (config's real-identities).
 */
export const REAL_IDENTITY_ENV = {
  PLATFORM_AWS__ACCOUNT_ID: '480123456789',
  PLATFORM_CIRCLECI__ORGANIZATION_ID: '6c1d2f0e-4a5b-4c3d-9e8f-0a1b2c3d4e5f',
  PLATFORM_CIRCLECI__PROJECT_ID: 'b2e4f6a8-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
  PLATFORM_CIRCLECI__VCS_ORIGIN: 'github.com/acme/blog-data',
} as const;

/** Settings of an environment (with published digests) and a patch over them, validated like the real thing. */
/** The load-balancer shape (CloudFront in front of an internal ALB): dev's default is the private endpoint. */
export const WITH_ALB = { endpoint: 'cloudfront' } as const;

export function configFor(env: EnvironmentName = 'dev', patch?: DeepPartial<PlatformConfigInput>): PlatformConfig {
  return validateConfig(mergeDeep(mergeDeep(ENVIRONMENT_INPUTS[env], { image: TEST_DIGESTS }), patch));
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));

/** Builds an environment's stacks (not written to disk). */
export function build(config: PlatformConfig, options: { backend?: 's3' | 'local'; emulatorEndpoint?: string } = {}): PlatformApp {
  return buildApp({ config, backend: options.backend ?? 's3', outdir: path.join(scratch, 'out'), emulatorEndpoint: options.emulatorEndpoint });
}

/** The synthesized terraform JSON of a stack. */
export interface Synth {
  readonly resource: Record<string, Record<string, Record<string, any>>>;
  readonly data?: Record<string, Record<string, Record<string, any>>>;
  readonly output: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
  readonly provider: { aws: Record<string, any>[] };
  readonly terraform: { backend: Record<string, Record<string, any>> };
}

/** Synthesizes one stack and parses it. */
export function synth(stack: TerraformStack): Synth {
  return JSON.parse(Testing.synth(stack)) as Synth;
}

/** The resources of one type, by logical name ({} when none). */
export function resources(s: Synth, type: string): Record<string, Record<string, any>> {
  return s.resource[type] ?? {};
}

/** The only resource of a type whose logical name contains `part`; fails otherwise. */
export function one(s: Synth, type: string, part = ''): Record<string, any> {
  const matches = Object.entries(resources(s, type)).filter(([name]) => name.includes(part));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} matching "${part}", found ${matches.map(([n]) => n).join(', ') || 'none'}`);
  }
  return matches[0][1];
}

/** Synthesized platform and bootstrap stacks of a config. */
export function synthBoth(config: PlatformConfig, options: Parameters<typeof build>[1] = {}): { platform: Synth; bootstrap: Synth } {
  const app = build(config, options);
  return { platform: synth(app.platform), bootstrap: synth(app.bootstrap) };
}

/** The container definitions of a task definition resource. */
export function containers(taskDefinition: Record<string, any>): Record<string, any>[] {
  return JSON.parse(maskInterpolations(taskDefinition.container_definitions as string)) as Record<string, any>[];
}

/**
 * Terraform evaluates `${…}` inside container_definitions before it is JSON; an expression that
 * holds quotes of its own (jsonencode of a map) is replaced by `<expr:N chars>` to parse the rest.
 */
export function maskInterpolations(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      const expression = text.slice(i, j + 1);
      out += expression.includes('"') ? `<expr:${expression.length} chars>` : expression;
      i = j;
    } else {
      out += text[i];
    }
  }
  return out;
}
