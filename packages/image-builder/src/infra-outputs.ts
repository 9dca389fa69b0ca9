import { usageError } from '@blog-data/cli-kit';
import { platformOutputsSchema, readInfraOutputsFile } from '@blog-data/config';

/** Where the image goes, as infra published it. */
export interface RepositoryLocation {
  /** `host[:port]`. */
  readonly registryHost: string;
  /** Repository path inside the registry, e.g. `blog-data`. */
  readonly repository: string;
}

/** The one output image-builder reads (the bootstrap stack publishes the same field). */
const repositoryOutputSchema = platformOutputsSchema.pick({ ecr_repository_url: true });

/**
 * Reads `ecr_repository_url` from a terraform outputs file (`terraform output -json` shape or a
 * flat map) through config's contract: a missing file, bad JSON or a missing or mistyped field is
 * one usage error naming the file and the field.
 */
export function readInfraOutputs(file: string): RepositoryLocation {
  return parseRepositoryUrl(readInfraOutputsFile(repositoryOutputSchema, file).ecr_repository_url, file);
}

/** `123.dkr.ecr.eu-west-1.amazonaws.com/blog-data` → host + repository. */
export function parseRepositoryUrl(url: string, source: string): RepositoryLocation {
  const match = /^(?:https?:\/\/)?([^/\s]+)\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)\/?$/.exec(url.trim());
  if (!match) {
    throw usageError(`"${url}" is not a repository URL (host/repository)`, source,
      'expected e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/blog-data');
  }
  return { registryHost: match[1], repository: match[2] };
}
