import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { namePrefix, PlatformConfig } from '@blog-data/config';
import { z } from 'zod';
import { ARTIFACT_FILES, infraOutputsSchema, pushedImageSchema, readArtifact, readInfraOutputs, writeArtifact } from './artifacts';
import { runTool, ToolRun } from './processes';

const INFRA_BIN = 'packages/infra/bin/platform-infra.js';
const RELEASE_BIN = 'packages/infra/bin/platform-release.js';

/** What the last successful apply of the platform stack left next to its state. */
export const appliedRecordSchema = z.object({
  /** sha256 of the synthesized platform stack (cdk.tf.json) that was applied. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  appliedAt: z.string(),
  outputs: infraOutputsSchema,
});
export type AppliedRecord = z.infer<typeof appliedRecordSchema>;

/** Apply or hand on the last apply's outputs, and why. */
export interface InfraDecision {
  readonly action: 'apply' | 'reuse';
  readonly reason: string;
}

/**
 * Decides the infra step: the synthesized stack is the whole input of `terraform apply`, so when
 * it is byte-identical to the last applied one there is nothing to apply (a failed apply records
 * nothing, so it is retried). Drift made outside terraform is not looked for here.
 */
export function decideInfra(fingerprint: string, record: AppliedRecord | undefined): InfraDecision {
  if (!record) return { action: 'apply', reason: 'no record of an applied platform stack (first deploy)' };
  if (record.fingerprint !== fingerprint) return { action: 'apply', reason: `the stack differs from the one applied at ${record.appliedAt}` };
  return { action: 'reuse', reason: `unchanged since ${record.appliedAt}: reusing its outputs` };
}

/** sha256 of the synthesized stack. */
export function fingerprintOf(stackJson: string): string {
  return createHash('sha256').update(stackJson).digest('hex');
}

/** Where the applied record lives: beside the environment's terraform state. */
export function recordLocation(config: PlatformConfig): { bucket: string; key: string } {
  return { bucket: config.state.bucket, key: `${config.state.keyPrefix}/deploys/platform-applied.json` };
}

/** The I/O the infra step needs (replaced by fakes in unit tests). */
export interface InfraStepIo {
  synth(): Promise<string>;
  readRecord(): Promise<AppliedRecord | undefined>;
  writeRecord(record: AppliedRecord): Promise<void>;
  apply(): Promise<void>;
  now(): Date;
}

/** Runs the infra step: apply when the stack changed, else hand on the recorded outputs. */
export async function runInfraStep(
  root: string,
  config: PlatformConfig,
  io: InfraStepIo,
  options: { readonly dryRun: boolean; readonly log: (line: string) => void },
): Promise<InfraDecision> {
  const fingerprint = fingerprintOf(await io.synth());
  const record = await io.readRecord();
  const decision = decideInfra(fingerprint, record);
  options.log(`infra: ${decision.action} — ${decision.reason}`);
  if (options.dryRun) return decision;
  if (decision.action === 'reuse') {
    writeArtifact(root, ARTIFACT_FILES.infraOutputs, record!.outputs);
    return decision;
  }
  await io.apply();
  const outputs = readInfraOutputs(root, config.env);
  await io.writeRecord({ fingerprint, appliedAt: io.now().toISOString(), outputs });
  return decision;
}

/** The real I/O: the infra CLI for synth and apply, S3 for the record. */
export function infraStepIo(root: string, config: PlatformConfig, options: { readonly profile?: string }): InfraStepIo {
  const outdir = join(root, 'packages/infra/cdktf.out');
  const env = options.profile ? { AWS_PROFILE: options.profile } : undefined;
  // Path-style S3 on the AWS emulator (AWS_ENDPOINT_URL), as the infra provider does there.
  const emulator = Boolean(process.env.AWS_ENDPOINT_URL);
  // The SDK is loaded when the record is first read, not at the top: each step is a process of its
  // own and only this one needs S3.
  const s3 = async () => {
    const sdk = await import('@aws-sdk/client-s3');
    const profile = options.profile ? { profile: options.profile } : {};
    const client = new sdk.S3Client({ region: config.aws.region, forcePathStyle: emulator, ...profile });
    return { sdk, client };
  };
  const where = recordLocation(config);
  // Task definitions run images by digest only: both published images go into the stack.
  const images = ['--image-result', ARTIFACT_FILES.image, '--image-result', ARTIFACT_FILES.deployerImage];
  const apply: ToolRun = {
    bin: INFRA_BIN,
    args: ['apply', '--env', config.env, '--stack', 'platform', '--auto-approve', '--outputs-file', ARTIFACT_FILES.infraOutputs, ...images, '--outdir', outdir],
    env,
  };
  return {
    async synth() {
      for (const file of [ARTIFACT_FILES.image, ARTIFACT_FILES.deployerImage]) {
        readArtifact(root, file, pushedImageSchema, `the images are published before infra: run \`pnpm nx run image-builder:deploy --configuration=${config.env}\``);
      }
      await runTool(root, { bin: INFRA_BIN, args: ['synth', '--env', config.env, ...images, '--outdir', outdir] });
      return readFileSync(join(outdir, 'stacks', `${namePrefix(config)}-platform`, 'cdk.tf.json'), 'utf8');
    },
    async readRecord() {
      const { sdk, client } = await s3();
      try {
        const got = await client.send(new sdk.GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
        const parsed = appliedRecordSchema.safeParse(JSON.parse(await got.Body!.transformToString()));
        return parsed.success ? parsed.data : undefined;
      } catch (e) {
        if (e instanceof sdk.NoSuchKey || (e as { name?: string }).name === 'NoSuchKey') return undefined;
        throw e;
      } finally {
        client.destroy();
      }
    },
    async writeRecord(record) {
      const { sdk, client } = await s3();
      try {
        await client.send(new sdk.PutObjectCommand({ Bucket: where.bucket, Key: where.key, Body: JSON.stringify(record), ContentType: 'application/json' }));
      } finally {
        client.destroy();
      }
    },
    // The server release follows the apply: the migration task to its end, then the server service
    // moves to the new task definition (platform-release; terraform leaves the service alone).
    // Both must succeed before the apply is recorded, so a failed release is retried next time.
    apply: async () => {
      await runTool(root, apply);
      await runTool(root, { bin: RELEASE_BIN, args: ['roll', '--outputs-file', ARTIFACT_FILES.infraOutputs], env });
    },
    now: () => new Date(),
  };
}
