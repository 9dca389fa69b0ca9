import { messageOf } from '../errors';

/** Manifest media types (Docker schema 2 and OCI, single images and indexes). */
const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** Asking for every type keeps the registry from converting or rejecting multi-platform tags. */
const ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

/** The platform of the image a tag points at, read from its config blob. */
export interface ImagePlatform {
  readonly os: string;
  readonly architecture: string;
  /** Digest of the manifest the tag resolves to (an index when multi-platform). */
  readonly digest: string;
  /** Platforms listed by an index; empty for a single-platform image. */
  readonly indexPlatforms: readonly string[];
}

/** A registry HTTP API v2 failure. */
export class RegistryError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * `127.0.0.1:5000` → `http://127.0.0.1:5000` (Docker treats loopback registries
 * as plain HTTP); other bare hosts get https; explicit schemes are kept.
 */
export function registryBaseUrl(hostOrUrl: string): string {
  const trimmed = hostOrUrl.trim().replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) return trimmed;
  const host = trimmed.split(':')[0];
  const loopback = host === 'localhost' || /^127\./.test(host) || trimmed.startsWith('[::1]');
  return `${loopback ? 'http' : 'https'}://${trimmed}`;
}

/**
 * Reads the os/architecture a tag resolves to: manifest, then (for an index)
 * the linux/amd64 entry, then the image config blob. `authorization` is the
 * whole header value (ECR's token is already base64 `user:password`).
 */
export async function readImagePlatform(
  baseUrl: string, repository: string, reference: string, authorization: string, timeoutMs = 10_000,
): Promise<ImagePlatform> {
  const top = await getJson(`${baseUrl}/v2/${repository}/manifests/${reference}`, authorization, timeoutMs, ACCEPT);
  const digest = top.headers.get('docker-content-digest') ?? reference;
  const body = top.json as { mediaType?: string; config?: { digest?: string }; manifests?: IndexEntry[] };
  let manifest = body;
  let indexPlatforms: string[] = [];
  if (!body.config && Array.isArray(body.manifests)) {
    indexPlatforms = body.manifests
      .filter((m) => m.platform && m.platform.architecture !== 'unknown')
      .map((m) => `${m.platform?.os}/${m.platform?.architecture}${m.platform?.variant ? `/${m.platform.variant}` : ''}`);
    const amd64 = body.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
    if (!amd64) {
      // Fargate picks linux/amd64 from an index; without one it cannot pull.
      return { os: 'linux', architecture: 'none', digest, indexPlatforms };
    }
    manifest = (await getJson(`${baseUrl}/v2/${repository}/manifests/${amd64.digest}`, authorization, timeoutMs, ACCEPT)).json as typeof body;
  }
  const configDigest = manifest.config?.digest;
  if (!configDigest) throw new RegistryError(`manifest of ${repository}:${reference} has no config blob`);
  const config = (await getJson(`${baseUrl}/v2/${repository}/blobs/${configDigest}`, authorization, timeoutMs)).json as { os?: string; architecture?: string };
  return { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', digest, indexPlatforms };
}

interface IndexEntry {
  readonly digest: string;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

async function getJson(url: string, authorization: string, timeoutMs: number, accept?: string): Promise<{ json: unknown; headers: Headers }> {
  let target = url;
  let headers: Record<string, string> = { authorization, ...(accept ? { accept } : {}) };
  // Follow redirects by hand: ECR sends blobs to pre-signed S3 URLs, which refuse a second auth header.
  for (let hop = 0; hop < 5; hop++) {
    let res: Response;
    try {
      res = await fetch(target, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new RegistryError(`cannot reach ${target}: ${messageOf(err)}`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      const next = new URL(res.headers.get('location') as string, target);
      if (next.origin !== new URL(target).origin) headers = {};
      target = next.toString();
      continue;
    }
    if (!res.ok) {
      const text = (await res.text()).slice(0, 200).trim();
      throw new RegistryError(`GET ${target} answered ${res.status}${text ? `: ${text}` : ''}`, res.status);
    }
    const text = await res.text();
    try {
      return { json: JSON.parse(text), headers: res.headers };
    } catch {
      throw new RegistryError(`GET ${target} did not return JSON`);
    }
  }
  throw new RegistryError(`too many redirects from ${url}`);
}
