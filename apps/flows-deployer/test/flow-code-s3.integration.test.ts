import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { requireService } from '@blog-data/test-support';
import { collectFlowCode, COMPLETE_MARKER, flowCodeLocation, planFlowCode, S3FlowCodeStore, uploadFlowCode } from '../src/flow-code';
import { APP_DIR } from './support/workspace';

// Against the AWS emulator (moto) from scripts/test-services.sh: `eval "$(scripts/test-services.sh env)"`.
const endpoint = requireService('AWS_ENDPOINT_URL', 'eval "$(scripts/test-services.sh env)"');
const maybe = endpoint ? describe : describe.skip;

maybe('flow code in S3 (AWS emulator)', () => {
  const environ = {
    ...process.env,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
  const region = process.env.AWS_REGION ?? 'eu-west-2';
  const bucket = `flows-deployer-test-${Date.now()}`;
  const s3 = new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: environ.AWS_ACCESS_KEY_ID, secretAccessKey: environ.AWS_SECRET_ACCESS_KEY },
  });

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = environ.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = environ.AWS_SECRET_ACCESS_KEY;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as never } }));
  });

  it('uploads the example flows once and then finds them complete', async () => {
    const store = new S3FlowCodeStore(bucket, region, environ);
    const bundle = collectFlowCode(APP_DIR, [{ name: 'daily', entrypoint: 'flows/blog_data/ingest.py:ingest_posts' }]);
    const location = flowCodeLocation(bucket, 'blog-data', bundle);
    expect((await planFlowCode(store, bundle, location)).action).toBe('upload');
    expect(await uploadFlowCode(store, bundle, location)).toBe(bundle.files.length + 1);
    expect((await planFlowCode(store, bundle, location)).action).toBe('unchanged');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${location.folder}/flows/blog_data/ingest.py` }));
    expect(await got.Body?.transformToString()).toContain('def ingest_posts(');
    const marker = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${location.folder}/${COMPLETE_MARKER}` }));
    expect(JSON.parse((await marker.Body?.transformToString()) ?? '{}').digest).toBe(bundle.digest);
    expect(path.basename(location.folder)).toBe(bundle.digest.slice(0, 16));
  });

  it('explains a missing bucket', async () => {
    const store = new S3FlowCodeStore(`${bucket}-missing`, region, environ);
    await expect(store.put('k', Buffer.from('x'), 'text/plain')).rejects.toThrow(/cannot upload flow code: .*s3:\/\/flows-deployer-test-\d+-missing\/k/);
  });
});
