import { UserError } from '@blog-data/cli-kit';
import { assertTag, buildInputsHash, BuildInputs, contentTag, imageRef, isDigest, publishTags, shortDigest } from '../src/tags';

const inputs: BuildInputs = {
  filesHash: 'a'.repeat(64),
  dockerfile: 'Dockerfile',
  platform: 'linux/amd64',
  buildArgs: { VCS_REF: 'abc', BASE_IMAGE: 'x' },
  labels: { 'org.opencontainers.image.title': 'prefect-base', 'b': '2' },
};

describe('build inputs hash and content tag', () => {
  it('does not depend on the order build args and labels were given in', () => {
    const reordered = { ...inputs, buildArgs: { BASE_IMAGE: 'x', VCS_REF: 'abc' }, labels: { 'b': '2', 'org.opencontainers.image.title': 'prefect-base' } };
    expect(buildInputsHash(reordered)).toBe(buildInputsHash(inputs));
  });

  it.each<[string, Partial<BuildInputs>]>([
    ['a file', { filesHash: 'b'.repeat(64) }],
    ['the Dockerfile name', { dockerfile: 'Dockerfile.other' }],
    ['the platform', { platform: 'linux/arm64' }],
    ['a build arg', { buildArgs: { VCS_REF: 'abd', BASE_IMAGE: 'x' } }],
    ['a label', { labels: { b: '3' } }],
  ])('changes when %s changes', (_what, change) => {
    expect(buildInputsHash({ ...inputs, ...change })).not.toBe(buildInputsHash(inputs));
  });

  it('names the build src-<16 hex>, a valid Docker tag', () => {
    const tag = contentTag(buildInputsHash(inputs));
    expect(tag).toMatch(/^src-[0-9a-f]{16}$/);
    expect(assertTag(tag, 'test')).toBe(tag);
  });

  it('rejects a hash that is not hex', () => {
    expect(() => contentTag('not-a-hash')).toThrow('not a hex hash');
  });
});

describe('tags and digests', () => {
  it('puts the rolling tag first and drops duplicates', () => {
    expect(publishTags('prefect-3-python3.12-ecs', 'src-0123456789abcdef', ['v1', 'v1', 'prefect-3-python3.12-ecs']))
      .toEqual(['prefect-3-python3.12-ecs', 'src-0123456789abcdef', 'v1']);
  });

  it.each(['-leading-dash', '.dot', 'has space', 'a'.repeat(129), 'colon:tag', ''])('refuses the tag "%s" with a usage error', (tag) => {
    let error: unknown;
    try {
      publishTags('ok', 'src-0123456789abcdef', [tag]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).kind).toBe('usage');
    expect((error as UserError).message).toContain(`invalid tag "${tag}" (--tag)`);
  });

  it('tells digests from tags and shortens them like docker images', () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    expect(isDigest(digest)).toBe(true);
    expect(isDigest('sha256:abc')).toBe(false);
    expect(isDigest('latest')).toBe(false);
    expect(shortDigest(digest)).toBe('0123456789ab');
    expect(imageRef('h:5000', 'blog-data', digest)).toBe(`h:5000/blog-data@${digest}`);
    expect(imageRef('h:5000', 'blog-data', 'v1')).toBe('h:5000/blog-data:v1');
  });
});
