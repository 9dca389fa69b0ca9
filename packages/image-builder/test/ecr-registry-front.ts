import { createHash } from 'node:crypto';
import { IncomingMessage, request, ServerResponse } from 'node:http';
import { DescribeRepositoriesCommand, ECRClient, Repository } from '@aws-sdk/client-ecr';
import { MANIFEST_ACCEPT } from '@blog-data/oci-registry';
import { RegistryProxy } from './registry-proxy';

/**
 * A pass-through proxy in front of the test registry (docker-registry) that answers the way ECR's
 * registry does where the two differ, from the ECR emulator's view of the repository
 * (DescribeRepositories, asked on every request):
 * - a repository ECR does not have: 404 `NAME_UNKNOWN` (docker-registry creates one on push);
 * - a manifest PUT that would point an existing immutable tag at another manifest: 400
 *   `TAG_INVALID` (docker-registry moves any tag). Which tags are immutable follows the
 *   repository's `imageTagMutability`: all of them for `IMMUTABLE`, all but the exclusion
 *   filters' for `IMMUTABLE_WITH_EXCLUSION`, only those for `MUTABLE_WITH_EXCLUSION`.
 * The answers are worded as ECR words them (seen in docker, buildkit and kaniko reports).
 */
export class EcrRegistryFront extends RegistryProxy {
  /** `upstream`: docker-registry's `host:port`; `ecr`: the emulator's ECR; `registryId`: its account, for the wording. */
  constructor(upstream: string, private readonly ecr: ECRClient, private readonly registryId: string) {
    super(upstream);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/([^?]*)/.exec(req.url ?? '');
    if (!route) return this.forward(req, res);
    const [, name, kind, reference] = route;
    const repository = await this.describe(name);
    if (!repository) {
      return answer(res, 404, 'NAME_UNKNOWN', `The repository with name '${name}' does not exist in the registry with id '${this.registryId}'`);
    }
    if (req.method !== 'PUT' || kind !== 'manifests' || reference.startsWith('sha256:') || !tagIsImmutable(repository, reference)) {
      return this.forward(req, res);
    }
    const body = await readAll(req);
    const current = await this.currentDigest(req, name, reference);
    if (current && current !== `sha256:${createHash('sha256').update(body).digest('hex')}`) {
      return answer(res, 400, 'TAG_INVALID',
        `The image tag '${reference}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`);
    }
    return this.forward(req, res, body);
  }

  private async describe(name: string): Promise<Repository | undefined> {
    try {
      const out = await this.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
      return out.repositories?.[0];
    } catch (err) {
      if ((err as { name?: string }).name === 'RepositoryNotFoundException') return undefined;
      throw err;
    }
  }

  /** Where the tag points in the registry behind, asked with the client's own credentials. */
  private currentDigest(req: IncomingMessage, name: string, tag: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const head = request({
        host: this.upstreamHost,
        port: this.upstreamPort,
        method: 'HEAD',
        path: `/v2/${name}/manifests/${tag}`,
        headers: { authorization: req.headers.authorization ?? '', accept: MANIFEST_ACCEPT },
      }, (res) => {
        res.resume();
        const digest = res.headers['docker-content-digest'];
        resolve(res.statusCode === 200 && typeof digest === 'string' ? digest : undefined);
      });
      head.on('error', reject);
      head.end();
    });
  }
}

/** Whether ECR keeps `tag` where it is, by the repository's mutability setting and exclusion filters. */
export function tagIsImmutable(
  repository: Pick<Repository, 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'>, tag: string,
): boolean {
  const excluded = (repository.imageTagMutabilityExclusionFilters ?? []).some((f) => wildcard(f.filter ?? '').test(tag));
  switch (repository.imageTagMutability) {
    case 'IMMUTABLE': return true;
    case 'IMMUTABLE_WITH_EXCLUSION': return !excluded;
    case 'MUTABLE_WITH_EXCLUSION': return excluded;
    default: return false;
  }
}

/** An ECR `WILDCARD` filter: `*` stands for any characters. */
function wildcard(filter: string): RegExp {
  return new RegExp(`^${filter.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function answer(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message }] }));
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
