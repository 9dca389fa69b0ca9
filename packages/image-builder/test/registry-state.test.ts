import { RegistryClient, RegistryError } from '@blog-data/oci-registry';
import { readRegistryState } from '../src/registry-state';

/** A registry that answers every read with NAME_UNKNOWN, as ECR does for a repository it does not have. */
const unknownRepository = {
  resolvePlatform: async () => {
    throw new RegistryError('repository does not exist in the registry', 'http://r/v2/repo/manifests/src-1', 'create it', 'repository-unknown', 404);
  },
  getManifest: async () => {
    throw new RegistryError('repository does not exist in the registry', 'http://r/v2/repo/manifests/rolling', 'create it', 'repository-unknown', 404);
  },
} as unknown as RegistryClient;

describe('readRegistryState for a repository the registry does not know', () => {
  it('fails where infra creates repositories (ECR): nothing may be pushed to a name infra does not own', async () => {
    await expect(readRegistryState(unknownRepository, 'repo', 'src-1', ['rolling', 'src-1'])).rejects.toMatchObject({ kind: 'repository-unknown' });
  });

  it('reads it as empty where the first push creates it (GHCR, docker-registry)', async () => {
    expect(await readRegistryState(unknownRepository, 'repo', 'src-1', ['rolling', 'src-1'], { createdOnPush: true }))
      .toEqual({ tags: { 'rolling': undefined, 'src-1': undefined } });
  });
});

describe('readRegistryState', () => {
  it('records, for a tag naming an index, the linux/amd64 image inside it (its digest is the image id on the containerd store)', async () => {
    const registry = {
      resolvePlatform: async () => undefined,
      getManifest: async () => ({ kind: 'index', mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:index', manifests: [] }),
      getImageManifest: async () => ({ kind: 'image', mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:amd64', configDigest: 'sha256:config', layers: [] }),
    } as unknown as RegistryClient;
    expect(await readRegistryState(registry, 'repo', 'src-1', ['rolling', 'src-1'])).toEqual({
      tags: { 'rolling': { digest: 'sha256:index', configDigest: 'sha256:config', imageDigest: 'sha256:amd64' }, 'src-1': undefined },
      content: undefined,
    });
  });
});
