import { RegistryError } from './errors';
import { MEDIA_TYPES } from './media-types';

/** `{ os, architecture }`, as image configs and index entries name a platform. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
}

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

/** The parts of an image config blob callers check. */
export interface ImageConfigBlob {
  readonly os?: string;
  readonly architecture?: string;
  readonly config?: { readonly Labels?: Readonly<Record<string, string>> | null };
}

/**
 * Classifies a manifest body by its media type (header first, then the
 * body's own `mediaType`, then its shape: OCI allows omitting `mediaType`).
 * `where` names the URL in errors.
 */
export function parseManifest(body: string, contentType: string | null, digest: string, where = digest): ImageManifest | ManifestIndex {
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
    throw new RegistryError('registry returned a manifest that is not JSON', where, 'check the registry endpoint', 'registry');
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
    throw new RegistryError(`registry returned an unsupported manifest (${mediaType || `schema ${json.schemaVersion}`})`, where,
      'the registry must serve Docker schema 2 or OCI manifests', 'registry');
  }
  return { kind: 'image', mediaType, digest, configDigest: json.config.digest, layers: json.layers ?? [] };
}

/** The entry of an index for a platform, if any. */
export function selectPlatform(index: ManifestIndex, platform: Platform): PlatformDescriptor | undefined {
  return index.manifests.find((m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture);
}

/** `os/architecture[/variant]` of every real platform an index lists (attestation entries, `unknown/unknown`, left out). */
export function indexPlatforms(index: ManifestIndex): string[] {
  return index.manifests
    .filter((m) => m.platform && m.platform.architecture !== 'unknown')
    .map((m) => `${m.platform?.os}/${m.platform?.architecture}${m.platform?.variant ? `/${m.platform.variant}` : ''}`);
}
