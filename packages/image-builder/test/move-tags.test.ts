import { RegistryClient, RegistryError, ServedManifest } from '@blog-data/oci-registry';
import { moveTags } from '../src/move-tags';

const MANIFEST: ServedManifest = { body: Buffer.from('{}'), mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:m' };

/** A registry whose tag copies answer per tag (stored, or thrown), with tags already pointing somewhere. */
function registryAnswering(
  refusals: Record<string, RegistryError>, pointing: Record<string, string> = {},
): { registry: RegistryClient; puts: string[] } {
  const puts: string[] = [];
  const registry = {
    copyTags: async (_repository: string, _from: ServedManifest, [tag]: string[]) => {
      puts.push(tag);
      if (refusals[tag]) throw refusals[tag];
      return MANIFEST.digest;
    },
    headManifest: async (_repository: string, tag: string) => pointing[tag],
  } as unknown as RegistryClient;
  return { registry, puts };
}

const immutable = (tag: string) => new RegistryError('registry refused to move an existing tag: it is immutable',
  `http://r/v2/repo/manifests/${tag}`, 'point tasks at the digest', 'tag-immutable', 400);

describe('moveTags', () => {
  it('moves every tag the registry takes and keeps the ones it refuses as immutable, in the order given', async () => {
    const { registry, puts } = registryAnswering({ rolling: immutable('rolling') }, { rolling: 'sha256:older' });
    expect(await moveTags(registry, 'repo', MANIFEST, ['v1', 'rolling', 'v2'])).toEqual({ moved: ['v1', 'v2'], frozen: ['rolling'] });
    expect(puts.sort()).toEqual(['rolling', 'v1', 'v2']);
  });

  it('counts an immutable tag that already names the manifest as moved (a retry after a token refresh)', async () => {
    const { registry } = registryAnswering({ rolling: immutable('rolling') }, { rolling: MANIFEST.digest });
    expect(await moveTags(registry, 'repo', MANIFEST, ['rolling'])).toEqual({ moved: ['rolling'], frozen: [] });
  });

  it('fails on any other refusal', async () => {
    const denied = new RegistryError('registry refused the credentials (HTTP 403)', 'http://r/v2/repo/manifests/v1', 'check the token', 'auth-failed', 403);
    const { registry } = registryAnswering({ v1: denied, rolling: immutable('rolling') });
    await expect(moveTags(registry, 'repo', MANIFEST, ['rolling', 'v1'])).rejects.toBe(denied);
  });

  it('asks nothing for no tags', async () => {
    const { registry, puts } = registryAnswering({});
    expect(await moveTags(registry, 'repo', MANIFEST, [])).toEqual({ moved: [], frozen: [] });
    expect(puts).toEqual([]);
  });
});
