import { createHash } from 'node:crypto';
import { isUntrustedCertificate, untrustedCertificateFix } from '@blog-data/cli-kit';
import { registryBaseUrl } from './address';
import { RegistryError } from './errors';
import { HttpResponse, HttpTransportError, send } from './http';
import { ImageConfigBlob, ImageManifest, ManifestIndex, parseManifest, Platform, selectPlatform } from './manifest';
import { MANIFEST_ACCEPT, MEDIA_TYPES } from './media-types';

/** How to log in: a user and password (basic auth), or a ready `Authorization` header value. */
export type RegistryLogin =
  | { readonly username: string; readonly password: string }
  /** ECR's GetAuthorizationToken answer is already base64 `AWS:<password>`: pass `Basic <token>`. */
  | { readonly authorization: string };

/** Where a registry is and how to log in. */
export interface RegistryClientOptions {
  /** `host[:port]`, optionally with `http://` or `https://`; a bare loopback host means http (as Docker treats it). */
  readonly registry: string;
  readonly login: RegistryLogin;
  /** Per-request timeout in ms; default 15000. */
  readonly timeoutMs?: number;
  /** Names the flag or variable that set the registry address, for the fix of a network error. Default `the registry address`. */
  readonly addressSource?: string;
}

/** What a reference resolves to, read for a platform check. */
export interface ResolvedPlatform {
  /** The index, when the reference names one. */
  readonly index?: ManifestIndex;
  /** The single-platform manifest for the wanted platform (from the index), absent when an index lacks it. */
  readonly image?: ImageManifest;
  /** That image's config blob (digest-checked). */
  readonly config?: ImageConfigBlob;
  /**
   * What the reference names (the index when multi-platform), as served, with its digest: another
   * tag can be pointed at exactly these bytes without reading them again.
   */
  readonly manifest: ServedManifest;
}

/** A manifest as the registry served it: the bytes (unchanged, so a copy keeps the digest), media type and digest. */
export interface ServedManifest {
  readonly body: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

/** A manifest GET's answer: what was served, and the `Content-Type` header as sent (null when absent). */
interface FetchedManifest {
  readonly served: ServedManifest;
  readonly contentType: string | null;
}

/**
 * A Docker Registry HTTP API v2 client (over node:http, see ./http). Basic auth on every request
 * (ECR accepts `AWS:<token>` as basic auth on its API too); blob redirects to
 * another origin (ECR → pre-signed S3) are followed without it.
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly authorization: string;

  constructor(private readonly options: RegistryClientOptions) {
    this.baseUrl = registryBaseUrl(options.registry);
    const login = options.login;
    this.authorization = 'authorization' in login
      ? login.authorization
      : `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
  }

  /**
   * The manifest a tag or digest names, or undefined when the registry has none (404). A repository
   * the registry does not know (ECR's `NAME_UNKNOWN`) is a `repository-unknown` error, not "none".
   */
  async getManifest(repository: string, reference: string): Promise<ImageManifest | ManifestIndex | undefined> {
    const fetched = await this.fetchManifest(repository, reference);
    return fetched && this.parse(fetched, repository, reference);
  }

  /**
   * The digest a tag points at, from a HEAD request (no body), or undefined
   * when the tag does not exist. Enough to tell whether a tag must move.
   */
  async headManifest(repository: string, reference: string): Promise<string | undefined> {
    const url = this.manifestUrl(repository, reference);
    const response = await this.request(url, { Accept: MANIFEST_ACCEPT }, { method: 'HEAD' });
    if (response.status === 404) return undefined;
    await this.assertOk(response, url);
    const digest = response.headers.get('docker-content-digest');
    // A registry without the header: read the body and hash it.
    return digest ?? (await this.getManifest(repository, reference))?.digest;
  }

  /** The single-platform manifest for `platform` a reference resolves to (following an index), or undefined. */
  async getImageManifest(repository: string, reference: string, platform: Platform): Promise<ImageManifest | undefined> {
    const manifest = await this.getManifest(repository, reference);
    if (!manifest || manifest.kind === 'image') return manifest;
    const entry = selectPlatform(manifest, platform);
    if (!entry) return undefined;
    const child = await this.getManifest(repository, entry.digest);
    return child?.kind === 'image' ? child : undefined;
  }

  /**
   * Reads what a reference is for a platform check: the manifest, for an index
   * its `platform` entry, then that image's config blob. Undefined when the
   * reference does not exist.
   */
  async resolvePlatform(
    repository: string, reference: string, platform: Platform, expected: { readonly configDigest?: string } = {},
  ): Promise<ResolvedPlatform | undefined> {
    // The config a caller expects is read at the same time as the manifest (one round trip less);
    // it is used only when the manifest names it, and a failure to read it early costs nothing.
    const early = expected.configDigest ? this.getConfigBlob(repository, expected.configDigest).catch(() => undefined) : undefined;
    const topFetched = await this.fetchManifest(repository, reference);
    if (!topFetched) return undefined;
    const top = this.parse(topFetched, repository, reference);
    let image: ImageManifest | undefined;
    const manifest = topFetched.served;
    if (top.kind === 'index') {
      const entry = selectPlatform(top, platform);
      const child = entry ? await this.getManifest(repository, entry.digest) : undefined;
      if (entry && child?.kind !== 'image') {
        throw new RegistryError(`index entry ${entry.digest} is not an image manifest`, this.manifestUrl(repository, reference),
          'the index is broken: publish the image again', 'registry');
      }
      image = child?.kind === 'image' ? child : undefined;
      if (!image) return { index: top, manifest };
    } else {
      image = top;
    }
    const config = (image.configDigest === expected.configDigest ? await early : undefined)
      ?? await this.getConfigBlob(repository, image.configDigest);
    return { index: top.kind === 'index' ? top : undefined, image, config, manifest };
  }

  /** A manifest's bytes, media type and digest as served (to copy it to another tag unchanged), or undefined (404). */
  async getRawManifest(repository: string, reference: string): Promise<ServedManifest | undefined> {
    return (await this.fetchManifest(repository, reference))?.served;
  }

  /** One manifest GET: what was served, and its `Content-Type` (parsing tells a missing one from the default). */
  private async fetchManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    const url = this.manifestUrl(repository, reference);
    const response = await this.request(url, { Accept: MANIFEST_ACCEPT });
    if (response.status === 404 && !errorCodesOf(response.body).includes('NAME_UNKNOWN')) return undefined;
    await this.assertOk(response, url);
    const { body } = response;
    const contentType = response.headers.get('content-type');
    const mediaType = contentType?.split(';')[0].trim() || MEDIA_TYPES.dockerManifest;
    return { served: { body, mediaType, digest: response.headers.get('docker-content-digest') ?? sha256(body) }, contentType };
  }

  /**
   * PUTs manifest bytes under a tag; returns the digest the registry reports. A tag the registry
   * will not move (immutable) is a `tag-immutable` error.
   */
  async putManifest(repository: string, tag: string, manifest: { body: Buffer; mediaType: string }): Promise<string> {
    const url = this.manifestUrl(repository, tag);
    const response = await this.request(url, { 'Content-Type': manifest.mediaType }, { method: 'PUT', body: manifest.body });
    await this.assertOk(response, url);
    return response.headers.get('docker-content-digest') ?? sha256(manifest.body);
  }

  /**
   * Points every tag in `tags` at the manifest `from` names, by PUTting the same
   * bytes (so the digest is unchanged): a registry-side retag, nothing else is
   * uploaded. The manifest is read once, or not at all when `from` is the manifest as served.
   * Returns the digest the registry reports.
   */
  async copyTags(repository: string, from: string | ServedManifest, tags: readonly string[]): Promise<string> {
    const source = typeof from === 'string' ? await this.getRawManifest(repository, from) : from;
    if (!source) {
      const name = typeof from === 'string' ? from : from.digest;
      throw new RegistryError(`manifest ${name} vanished before it could be tagged ${tags.join(', ')}`, this.manifestUrl(repository, name),
        'run the publish again', 'registry', 404);
    }
    let digest = sha256(source.body);
    for (const tag of tags) digest = await this.putManifest(repository, tag, source);
    return digest;
  }

  private parse(fetched: FetchedManifest, repository: string, reference: string): ImageManifest | ManifestIndex {
    const { body, digest } = fetched.served;
    return parseManifest(body.toString('utf8'), fetched.contentType, digest, this.manifestUrl(repository, reference));
  }

  /** The image config blob (JSON), checked against its digest. */
  async getConfigBlob(repository: string, digest: string): Promise<ImageConfigBlob> {
    const url = `${this.baseUrl}/v2/${repository}/blobs/${digest}`;
    let response = await this.request(url, {}, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      // ECR answers with a redirect to a pre-signed S3 URL: follow it without our Authorization
      // header (S3 rejects a request that carries two kinds of auth), unless it stays on the registry.
      const target = new URL(location, url);
      response = await this.request(target.toString(), {}, { withAuth: target.origin === new URL(url).origin });
    }
    await this.assertOk(response, url);
    const { body } = response;
    const actual = sha256(body);
    if (actual !== digest) {
      throw new RegistryError(`config blob does not match its digest (got ${actual})`, url, 'the registry is serving corrupt data', 'registry');
    }
    try {
      return JSON.parse(body.toString('utf8')) as ImageConfigBlob;
    } catch {
      throw new RegistryError('config blob is not JSON', url, 'the registry is serving corrupt data', 'registry');
    }
  }

  private manifestUrl(repository: string, reference: string): string {
    return `${this.baseUrl}/v2/${repository}/manifests/${reference}`;
  }

  private async request(
    url: string,
    headers: Record<string, string>,
    init: { method?: string; body?: Buffer; redirect?: 'manual' | 'follow'; withAuth?: boolean } = {},
  ): Promise<HttpResponse> {
    try {
      return await send(url, {
        method: init.method,
        body: init.body,
        redirect: init.redirect,
        headers: init.withAuth === false ? headers : { ...headers, Authorization: this.authorization },
        timeoutMs: this.options.timeoutMs ?? 15_000,
      });
    } catch (err) {
      const reason = err instanceof HttpTransportError ? err.reason : (err instanceof Error ? err.message : String(err));
      throw unreachableRegistry(reason, url, this.options.addressSource ?? 'the registry address');
    }
  }

  private async assertOk(response: HttpResponse, url: string): Promise<void> {
    if (response.ok) return;
    const text = (await response.text().catch(() => '')).slice(0, 300).trim();
    const detail = text ? [text] : [];
    if ((response.status === 401 || response.status === 403) && /expired/i.test(text)) {
      throw new RegistryError(`registry token expired (HTTP ${response.status})`, url,
        'fetch a new one; check the machine clock if this repeats', 'token-expired', response.status, detail);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(`registry refused the credentials (HTTP ${response.status})`, url,
        'check the ECR token (GetAuthorizationToken for the right account/region) or the registry user/password',
        'auth-failed', response.status, detail);
    }
    const codes = errorCodesOf(response.body);
    if (response.status === 404 && codes.includes('NAME_UNKNOWN')) {
      throw new RegistryError('repository does not exist in the registry', url,
        'create it (for ECR the infra bootstrap stack does) or fix the repository name', 'repository-unknown', 404, detail);
    }
    if (isImmutableTagRefusal(response.status, codes, text)) {
      throw new RegistryError('registry refused to move an existing tag: it is immutable', url,
        'point tasks at the digest, or use a tag the repository allows to move', 'tag-immutable', response.status, detail);
    }
    throw new RegistryError(`registry answered HTTP ${response.status}`, url, 'run again with --verbose', 'registry', response.status, detail);
  }
}

/** The `code`s of a Registry API error body (`{"errors":[{"code":…}]}`); none when it is not one. */
function errorCodesOf(body: Buffer): string[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
    return (parsed.errors ?? []).map((e) => e.code).filter((c): c is string => typeof c === 'string');
  } catch {
    return [];
  }
}

/**
 * ECR refuses a manifest PUT to an existing immutable tag with 400 `TAG_INVALID` "… already exists
 * in the '…' repository and cannot be overwritten because the tag is immutable" (older wording:
 * "because the repository is immutable"); other registries say `TAG_IMMUTABLE`, often with 409.
 * `TAG_INVALID` alone also means a malformed tag, so ECR's wording is required with it.
 */
function isImmutableTagRefusal(status: number, codes: readonly string[], text: string): boolean {
  if (status !== 400 && status !== 409) return false;
  return codes.includes('TAG_IMMUTABLE') || (codes.includes('TAG_INVALID') && /immutable|cannot be overwritten/i.test(text));
}

function sha256(body: string | Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * A request that got no answer. A certificate no trusted root signed is said as such (see cli-kit's
 * `untrustedCertificateFix`).
 */
function unreachableRegistry(reason: string, url: string, addressSource: string): RegistryError {
  if (isUntrustedCertificate(reason)) {
    return new RegistryError(`the registry's TLS certificate is not trusted here (${reason})`, url, untrustedCertificateFix(addressSource), 'network');
  }
  return new RegistryError(`cannot reach the registry (${reason})`, url, `check the network and ${addressSource}`, 'network');
}
