import { configFor } from './helpers';
import { NEVER_APPLIED_DIGEST, pinnedImages, withRunningDigests } from '../src/image-results';

describe('the digests task definitions run', () => {
  const published = configFor('prod');
  const bare = { ...published, image: { ...published.image, digest: undefined, deployerDigest: undefined } };
  const running = { digest: `sha256:${'3'.repeat(64)}`, deployer: `sha256:${'4'.repeat(64)}` };
  const outputs = {
    prefect_image: { value: `333333333333.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${running.digest}`, type: 'string', sensitive: false },
    deployer_image: { value: `333333333333.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${running.deployer}`, type: 'string', sensitive: false },
  };

  it('keeps what the environment runs when no new image was published', () => {
    expect(withRunningDigests(bare, outputs).image).toMatchObject({ digest: running.digest, deployerDigest: running.deployer });
  });

  it('prefers a published digest over the running one', () => {
    const one = { ...bare, image: { ...bare.image, digest: `sha256:${'5'.repeat(64)}` } };
    expect(withRunningDigests(one, outputs).image).toMatchObject({ digest: `sha256:${'5'.repeat(64)}`, deployerDigest: running.deployer });
  });

  it('keeps nothing before the first apply, from tags, or from a stack that was never applied', () => {
    expect(withRunningDigests(bare, undefined).image.digest).toBeUndefined();
    expect(withRunningDigests(bare, {}).image.digest).toBeUndefined();
    expect(withRunningDigests(bare, { prefect_image: 'x/blog-data:latest' }).image.digest).toBeUndefined();
    expect(withRunningDigests(bare, { prefect_image: `x/blog-data@${NEVER_APPLIED_DIGEST}` }).image.digest).toBeUndefined();
  });

  it('refuses to pin nothing for an apply, but lets output and destroy read a stack without images', () => {
    expect(() => pinnedImages(bare)).toThrow(/^prod\.image\.digest: task definitions run images by digest only/);
    expect(pinnedImages(bare, { forApply: false }).prefect).toBe(`333333333333.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${NEVER_APPLIED_DIGEST}`);
  });
});
