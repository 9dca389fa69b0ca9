import { MEDIA_TYPES, ResolvedPlatform } from '@blog-data/oci-registry';
import { judgeRemoteImage } from '../src/verify';

const image = (configDigest: string) => ({ kind: 'image' as const, mediaType: MEDIA_TYPES.ociManifest, digest: 'sha256:m', configDigest, layers: [] });
const served = { body: Buffer.from('{"schemaVersion":2}'), mediaType: MEDIA_TYPES.ociManifest, digest: 'sha256:m' };
const single = (architecture: string, configDigest = 'sha256:c'): ResolvedPlatform => ({
  image: image(configDigest), config: { os: 'linux', architecture, config: { Labels: { a: 'b' } } }, manifest: served,
});

describe('judging what the registry serves after a push', () => {
  it('accepts the built linux/amd64 image and reads its labels', () => {
    expect(judgeRemoteImage(single('amd64'), 'here', 'sha256:c')).toEqual({
      digest: 'sha256:m', mediaType: MEDIA_TYPES.ociManifest, configDigest: 'sha256:c', os: 'linux', architecture: 'amd64', labels: { a: 'b' }, manifest: served,
    });
  });

  it('knows the built image by its manifest digest too: the id an engine with the containerd image store gives it', () => {
    // The classic image store's id is the config digest; the containerd store's (Docker 29's default
    // for new installs) is the digest of the manifest it stored and pushed, or of the index holding it.
    expect(judgeRemoteImage(single('amd64'), 'here', 'sha256:m')).toMatchObject({ digest: 'sha256:m', configDigest: 'sha256:c' });
    const inIndex: ResolvedPlatform = { ...single('amd64'), manifest: { ...served, mediaType: MEDIA_TYPES.ociIndex, digest: 'sha256:i' } };
    expect(judgeRemoteImage(inIndex, 'here', 'sha256:i')).toMatchObject({ digest: 'sha256:m', configDigest: 'sha256:c' });
    expect(() => judgeRemoteImage(single('amd64'), 'here', 'sha256:other'))
      .toThrow('registry holds a different image (config sha256:c, manifest sha256:m; built sha256:other)');
  });

  it('refuses an arm64 image, an index without amd64, a different image, and a missing one', () => {
    expect(() => judgeRemoteImage(single('arm64'), 'here', 'sha256:c')).toThrow('registry image is linux/arm64, not linux/amd64 (here)');
    const armIndex: ResolvedPlatform = {
      index: { kind: 'index', mediaType: MEDIA_TYPES.ociIndex, digest: 'sha256:i', manifests: [{ digest: 'sha256:a', platform: { os: 'linux', architecture: 'arm64' } }] },
      manifest: { ...served, mediaType: MEDIA_TYPES.ociIndex, digest: 'sha256:i' },
    };
    expect(() => judgeRemoteImage(armIndex, 'here')).toThrow('registry index has no linux/amd64 image (has linux/arm64)');
    expect(() => judgeRemoteImage(single('amd64', 'sha256:other'), 'here', 'sha256:c')).toThrow('registry holds a different image (config sha256:other, manifest sha256:m; built sha256:c)');
    expect(() => judgeRemoteImage(undefined, 'here', 'sha256:c')).toThrow('pushed image not found in the registry');
  });
});
