import { createHash } from 'node:crypto';
import { messageOf, PublishError } from './errors';

/** Manifest media types this client reads (Docker schema 2 and OCI, single images and indexes). */
export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/**
 * Sent on every manifest request. Without the list/index types a registry
 * may convert or reject a multi-platform tag; without the v2 type some fall back to schema 1.
 */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(', ');

/** A platform entry of an index / manifest list. */
export interface PlatformDescriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

/** An image manifest (single platform). */
export interface ImageManifest {
  readonly kind: 'image';
  readonly mediaType: string;
  /** Digest of the manifest itself (what `repo@sha256:…` pins). */
  readonly digest: string;
  /** Digest of the config blob: equals the local engine's image id for the same image. */
  readonly configDigest: string;
  readonly layers: readonly { readonly digest: string; readonly size: number }[];
}

/** An OCI index / Docker manifest list (several platforms). */
export interface ManifestIndex {
  readonly kind: 'index';
  readonly mediaType: string;
  readonly digest: string;
  readonly manifests: readonly PlatformDescriptor[];
}

/** The parts of an image config blob this tool checks. */
export interface ImageConfigBlob {
  readonly os?: string;
  readonly architecture?: string;
  readonly config?: { readonly Labels?: Readonly<Record<string, string>> | null };
}

/**
 * Classifies a manifest body by its media type (header first, then the
 * body's own `mediaType`, then its shape: OCI allows omitting `mediaType`).
 */
export function parseManifest(body: string, contentType: string | null, digest: string): ImageManifest | ManifestIndex {
  let json: {
    mediaType?: string;
    schemaVersion?: number;
    config?: { digest?: string };
    layers?: { digest: string; size: number }[];
    manifests?: PlatformDescriptor[];
  };
  try {
    json = JSON.parse(body);
  } catch {
    throw new PublishError('registry returned a manifest that is not JSON', digest, 'check the registry endpoint', [], 'registry');
  }
  const headerType = contentType?.split(';')[0].trim();
  const mediaType = [headerType, json.mediaType].find((t) => t && Object.values(MEDIA_TYPES).includes(t as never))
    ?? json.mediaType ?? headerType ?? '';
  const isIndex = mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList
    || (!json.config && Array.isArray(json.manifests));
  if (isIndex) {
    return { kind: 'index', mediaType, digest, manifests: json.manifests ?? [] };
  }
  if (json.schemaVersion === 1 || !json.config?.digest) {
    throw new PublishError(`registry returned an unsupported manifest (${mediaType || `schema ${json.schemaVersion}`})`, digest,
      'the registry must serve Docker schema 2 or OCI manifests', [], 'registry');
  }
  return { kind: 'image', mediaType, digest, configDigest: json.config.digest, layers: json.layers ?? [] };
}

/** The entry of an index for os/architecture, if any. */
export function selectPlatform(index: ManifestIndex, os: string, architecture: string): PlatformDescriptor | undefined {
  return index.manifests.find((m) => m.platform?.os === os && m.platform?.architecture === architecture);
}

/** Where a registry is and how to log in. */
export interface RegistryClientOptions {
  /** `host[:port]`, optionally with `http://` or `https://`; a bare loopback host means http (as Docker treats it). */
  readonly registry: string;
  readonly username: string;
  readonly password: string;
  /** Per-request timeout in ms; default 15000. */
  readonly timeoutMs?: number;
}

/**
 * A small Docker Registry HTTP API v2 client over fetch with basic auth (ECR
 * accepts `AWS:<token>` as basic auth on its API too). Reads only.
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly authorization: string;

  constructor(private readonly options: RegistryClientOptions) {
    this.baseUrl = registryBaseUrl(options.registry);
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  /** The manifest a tag or digest names, or undefined when the registry has none (404). */
  async getManifest(repository: string, reference: string): Promise<ImageManifest | ManifestIndex | undefined> {
    const url = `${this.baseUrl}/v2/${repository}/manifests/${reference}`;
    const response = await this.request(url, { Accept: MANIFEST_ACCEPT });
    if (response.status === 404) return undefined;
    await this.assertOk(response, url);
    const body = await response.text();
    const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    return parseManifest(body, response.headers.get('content-type'), digest);
  }

  /** The single-platform manifest for linux/amd64 a reference resolves to (following an index), or undefined. */
  async getImageManifest(repository: string, reference: string, os: string, architecture: string): Promise<ImageManifest | undefined> {
    const manifest = await this.getManifest(repository, reference);
    if (!manifest || manifest.kind === 'image') return manifest;
    const entry = selectPlatform(manifest, os, architecture);
    if (!entry) return undefined;
    const child = await this.getManifest(repository, entry.digest);
    return child?.kind === 'image' ? child : undefined;
  }

  /** The raw bytes and media type of a manifest (to copy it to another tag unchanged). */
  async getRawManifest(repository: string, reference: string): Promise<{ body: Buffer; mediaType: string } | undefined> {
    const url = `${this.baseUrl}/v2/${repository}/manifests/${reference}`;
    const response = await this.request(url, { Accept: MANIFEST_ACCEPT });
    if (response.status === 404) return undefined;
    await this.assertOk(response, url);
    const body = Buffer.from(await response.arrayBuffer());
    const mediaType = response.headers.get('content-type')?.split(';')[0].trim() ?? MEDIA_TYPES.dockerManifest;
    return { body, mediaType };
  }

  /**
   * Points `tag` at the manifest `from` names, by PUTting the same bytes (so
   * the digest is unchanged): a registry-side retag, nothing is uploaded.
   * Returns the digest the registry reports.
   */
  async copyTag(repository: string, from: string, tag: string): Promise<string> {
    const source = await this.getRawManifest(repository, from);
    if (!source) {
      throw new PublishError(`manifest ${from} vanished before it could be tagged ${tag}`, `${this.baseUrl}/v2/${repository}`,
        'run the publish again', [], 'registry');
    }
    const url = `${this.baseUrl}/v2/${repository}/manifests/${tag}`;
    const response = await this.request(url, { 'Content-Type': source.mediaType }, { method: 'PUT', body: source.body });
    await this.assertOk(response, url);
    await response.arrayBuffer().catch(() => undefined);
    return response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(source.body).digest('hex')}`;
  }

  /** The image config blob (JSON). */
  async getConfigBlob(repository: string, digest: string): Promise<ImageConfigBlob> {
    const url = `${this.baseUrl}/v2/${repository}/blobs/${digest}`;
    let response = await this.request(url, {}, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      // ECR answers with a redirect to a pre-signed S3 URL: follow it without our Authorization
      // header (S3 rejects a request that carries two kinds of auth), unless it stays on the registry.
      await response.arrayBuffer().catch(() => undefined);
      const target = new URL(location, url);
      response = await this.request(target.toString(), {}, { withAuth: target.origin === new URL(url).origin });
    }
    await this.assertOk(response, url);
    const body = Buffer.from(await response.arrayBuffer());
    const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (actual !== digest) {
      throw new PublishError(`config blob does not match its digest (got ${actual})`, url, 'the registry is serving corrupt data', [], 'registry');
    }
    return JSON.parse(body.toString('utf8')) as ImageConfigBlob;
  }

  private async request(
    url: string,
    headers: Record<string, string>,
    init: { method?: string; body?: Buffer; redirect?: 'manual' | 'follow'; withAuth?: boolean } = {},
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method: init.method ?? 'GET',
        body: init.body,
        redirect: init.redirect ?? 'follow',
        headers: init.withAuth === false ? headers : { ...headers, Authorization: this.authorization },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? messageOf(err);
      throw new PublishError(`cannot reach the registry (${reason})`, this.baseUrl,
        'check the network and the registry address (--registry / IMAGE_REGISTRY)', [], 'network');
    }
  }

  private async assertOk(response: Response, url: string): Promise<void> {
    if (response.ok) return;
    const text = (await response.text().catch(() => '')).slice(0, 300).trim();
    if ((response.status === 401 || response.status === 403) && /expired/i.test(text)) {
      throw new PublishError(`registry token expired (HTTP ${response.status})`, url,
        'fetch a new one (a publish refreshes it once by itself); check the machine clock if this repeats', [text], 'token-expired');
    }
    if (response.status === 401 || response.status === 403) {
      throw new PublishError(`registry refused the credentials (HTTP ${response.status})`, url,
        'check the ECR token (GetAuthorizationToken for the right account/region) or the registry user/password',
        text ? [text] : [], 'auth-failed');
    }
    throw new PublishError(`registry answered HTTP ${response.status}`, url, 'run again with --verbose', text ? [text] : [], 'registry');
  }
}

/** `127.0.0.1:5000` → `http://127.0.0.1:5000`; `x.dkr.ecr…` → `https://x.dkr.ecr…`; explicit schemes kept. */
export function registryBaseUrl(registry: string): string {
  if (/^https?:\/\//.test(registry)) return registry.replace(/\/+$/, '');
  const host = registry.replace(/\/+$/, '');
  return `${isLoopback(host) ? 'http' : 'https'}://${host}`;
}

/** The `host[:port]` part Docker uses in image references. */
export function registryHostPart(registry: string): string {
  return registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || /^127\./.test(name) || name === '[::1]';
}
