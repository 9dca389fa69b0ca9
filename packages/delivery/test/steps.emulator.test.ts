import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '@blog-data/config';
import { describeWithServices, EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { ARTIFACT_FILES, fingerprintOf, infraStepIo, recordLocation, runInfraStep } from '../src';
import { publishedImages as publishedImagesIn } from './published-images';

describeWithServices('deploy steps against the AWS emulator', ['AWS_ENDPOINT_URL'], ({ AWS_ENDPOINT_URL }) => {
  const config = loadConfig({ env: 'dev', environ: {} });
  const client = { region: config.aws.region, endpoint: AWS_ENDPOINT_URL };

  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  const publishedImages = (prefect: string, deployer: string) => publishedImagesIn(config, prefect, deployer);

  it('synthesizes the ECS deployer task on exactly the published deployer digest; a new deployer image changes the stack', async () => {
    const containerImages = (stack: string) =>
      Object.values(JSON.parse(stack).resource.aws_ecs_task_definition as Record<string, { container_definitions: string }>)
        .map((t) => t.container_definitions.match(/"image":"([^"]+)"/)![1]);
    const first = await infraStepIo(publishedImages(digest('a'), digest('b')), config, {}).synth();
    expect(containerImages(first)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`@${digest('b')}$`))]));
    const second = await infraStepIo(publishedImages(digest('a'), digest('c')), config, {}).synth();
    expect(containerImages(second)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`@${digest('c')}$`))]));
    expect(fingerprintOf(second)).not.toBe(fingerprintOf(first));
  });

  it('hands on the recorded outputs when the platform stack is unchanged, and notices a change (overhead printed)', async () => {
    const s3 = new S3Client({ ...client, forcePathStyle: true });
    const where = recordLocation(config);
    const bucket = { Bucket: where.bucket, CreateBucketConfiguration: { LocationConstraint: config.aws.region as never } };
    await s3.send(new CreateBucketCommand(bucket)).catch(() => undefined); // already there from an earlier run
    const root = publishedImages(digest('a'), digest('b'));
    const io = infraStepIo(root, config, {});
    const stack = await io.synth();
    const outputs = { ...EXAMPLE_PLATFORM_OUTPUTS };
    const record = { fingerprint: fingerprintOf(stack), appliedAt: '2026-11-29T10:00:00.000Z', outputs };
    await s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: where.key, Body: JSON.stringify(record) }));

    const started = Date.now();
    const decision = await runInfraStep(root, config, io, { dryRun: false, log: () => {} });
    const seconds = (Date.now() - started) / 1000;
    // eslint-disable-next-line no-console
    console.log(`infra upstream no-op (synth + one S3 read): ${seconds.toFixed(1)} s`);
    expect(decision.action).toBe('reuse');
    expect(JSON.parse(readFileSync(join(root, ARTIFACT_FILES.infraOutputs), 'utf8'))).toEqual(outputs);

    const changed = { ...record, fingerprint: '0'.repeat(64) };
    await s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: where.key, Body: JSON.stringify(changed) }));
    const next = await runInfraStep(root, config, io, { dryRun: true, log: () => {} });
    expect(next).toMatchObject({ action: 'apply', reason: expect.stringContaining('differs from the one applied') });
  });
});
