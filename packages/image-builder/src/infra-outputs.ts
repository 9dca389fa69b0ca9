import { readFileSync } from 'node:fs';
import { PublishError } from './errors';

/** Where the image goes, as infra published it. */
export interface RepositoryLocation {
  /** `host[:port]`. */
  readonly registryHost: string;
  /** Repository path inside the registry, e.g. `blog-data`. */
  readonly repository: string;
}

/**
 * Reads `ecr_repository_url` from a terraform outputs file: `terraform output
 * -json` shape (`{name: {value, type, sensitive}}`) or a flat `{name: value}` map.
 */
export function readInfraOutputs(file: string): RepositoryLocation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ENOENT';
    throw new PublishError(missing ? 'infra outputs file not found' : 'infra outputs file is not JSON', file,
      'write it with `terraform output -json > FILE` in the platform stack, or drop --infra-outputs', [], 'usage');
  }
  const entry = (parsed as Record<string, unknown> | null)?.ecr_repository_url;
  const value = entry && typeof entry === 'object' && 'value' in entry ? (entry as { value: unknown }).value : entry;
  if (typeof value !== 'string' || !value) {
    throw new PublishError('infra outputs have no ecr_repository_url', file,
      'pass the platform or bootstrap stack outputs (they publish ecr_repository_url)', [], 'usage');
  }
  return parseRepositoryUrl(value, file);
}

/** `123.dkr.ecr.eu-west-1.amazonaws.com/blog-data` → host + repository. */
export function parseRepositoryUrl(url: string, source: string): RepositoryLocation {
  const match = /^(?:https?:\/\/)?([^/\s]+)\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)\/?$/.exec(url.trim());
  if (!match) {
    throw new PublishError(`"${url}" is not a repository URL (host/repository)`, source,
      'expected e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/blog-data', [], 'usage');
  }
  return { registryHost: match[1], repository: match[2] };
}
