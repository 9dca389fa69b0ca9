import { createHash } from 'node:crypto';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** A registry to push fixtures to over the HTTP API v2 (no Docker engine). */
export interface TestRegistry {
  /** `http://host:port`. */
  readonly base: string;
  /** `Basic …`. */
  readonly authorization: string;
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Uploads a blob (monolithic POST + PUT) and returns its digest. */
export async function pushBlob(reg: TestRegistry, repository: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await fetch(`${reg.base}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization: reg.authorization } });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location') as string, reg.base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'authorization': reg.authorization, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(data),
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return digest;
}

/** Puts a manifest under a reference; returns its digest. */
export async function pushManifest(reg: TestRegistry, repository: string, reference: string, body: string, mediaType: string): Promise<string> {
  const res = await fetch(`${reg.base}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'authorization': reg.authorization, 'content-type': mediaType },
    body,
  });
  if (res.status !== 201) throw new Error(`manifest put: ${res.status} ${await res.text()}`);
  return sha256(body);
}

/** A single-platform image: one small layer and a config blob saying `linux/<architecture>`. */
export async function pushImage(
  reg: TestRegistry, repository: string, tag: string, architecture: string,
): Promise<{ manifest: string; digest: string }> {
  const layer = Buffer.from(`layer of a ${architecture} test image ${tag}`);
  const layerDigest = await pushBlob(reg, repository, layer);
  const config = Buffer.from(JSON.stringify({
    architecture, os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [layerDigest] },
  }));
  const configDigest = await pushBlob(reg, repository, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest }],
  });
  const digest = await pushManifest(reg, repository, tag, manifest, DOCKER_MANIFEST);
  return { manifest, digest };
}

/** An OCI index over already-pushed manifests, each with its platform. */
export async function pushIndex(
  reg: TestRegistry, repository: string, tag: string, entries: { digest: string; size: number; architecture: string }[],
): Promise<{ manifest: string; digest: string }> {
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((e) => ({ mediaType: DOCKER_MANIFEST, digest: e.digest, size: e.size, platform: { os: 'linux', architecture: e.architecture } })),
  });
  const digest = await pushManifest(reg, repository, tag, manifest, OCI_INDEX);
  return { manifest, digest };
}

/** Deletes manifests by digest (the test registry runs with deletes enabled); blobs are left to its garbage collection. */
export async function deleteManifests(reg: TestRegistry, repository: string, digests: readonly string[]): Promise<void> {
  for (const digest of digests) {
    await fetch(`${reg.base}/v2/${repository}/manifests/${digest}`, { method: 'DELETE', headers: { authorization: reg.authorization } });
  }
}
