import { createHash } from 'node:crypto';
import { usageError } from '@blog-data/cli-kit';

/** Docker's tag grammar: at most 128 characters, no leading `.` or `-`. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Prefix of the immutable content tag. */
export const CONTENT_TAG_PREFIX = 'src-';

/** Everything that decides what an image build produces, short of the base image's bytes. */
export interface BuildInputs {
  /** Hash of the files sent as build context (see `readBuildContext`). */
  readonly filesHash: string;
  readonly dockerfile: string;
  readonly platform: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * sha256 over the build inputs, in a canonical order. Equal inputs give equal
 * hashes on every machine, so the hash names the build before it runs.
 */
export function buildInputsHash(inputs: BuildInputs): string {
  const canonical = JSON.stringify({
    files: inputs.filesHash,
    dockerfile: inputs.dockerfile,
    platform: inputs.platform,
    buildArgs: sortedEntries(inputs.buildArgs),
    labels: sortedEntries(inputs.labels),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The immutable tag for a build: `src-` + 16 hex of the inputs hash (64 bits;
 * collisions within one repository are not a practical concern).
 */
export function contentTag(inputsHash: string): string {
  if (!/^[0-9a-f]{16,}$/.test(inputsHash)) throw new Error(`not a hex hash: ${inputsHash}`);
  return `${CONTENT_TAG_PREFIX}${inputsHash.slice(0, 16)}`;
}

/** Throws a usage error unless `tag` is a valid Docker tag. */
export function assertTag(tag: string, source: string): string {
  if (!TAG_PATTERN.test(tag)) {
    throw usageError(`invalid tag "${tag}"`, source,
      'use letters, digits, _ . - (at most 128, not starting with . or -)');
  }
  return tag;
}

/** True for `sha256:<64 hex>`. */
export function isDigest(value: string | undefined): value is string {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

/** The short form `docker images` shows: 12 hex characters after `sha256:`. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Tags to publish, rolling first, without duplicates, all validated. */
export function publishTags(rolling: string, content: string, extra: readonly string[] = []): string[] {
  const tags = [rolling, content, ...extra];
  tags.forEach((t, i) => assertTag(t, i === 0 ? 'config image.tag' : i === 1 ? 'content tag' : '--tag'));
  return [...new Set(tags)];
}

/** `host/repo:tag` and `host/repo@digest`. */
export function imageRef(registryHost: string, repository: string, tagOrDigest: string): string {
  return isDigest(tagOrDigest) ? `${registryHost}/${repository}@${tagOrDigest}` : `${registryHost}/${repository}:${tagOrDigest}`;
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
