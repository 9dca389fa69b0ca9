import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListServicesCommand } from '@aws-sdk/client-ecs';
import { messageOf } from '@blog-data/cli-kit';
import type { PinnedImage } from './platform-snapshot';

/** `host/repo@sha256:…` or `host/repo:tag`, split into what a registry request needs. */
export interface ImageReference {
  readonly registry: string;
  readonly repository: string;
  /** The digest or the tag. */
  readonly reference: string;
  readonly digest?: string;
}

/** Parses a container image reference; undefined for a bare Docker Hub name (`busybox`), which has no registry host. */
export function parseImageReference(image: string): ImageReference | undefined {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.indexOf('/');
  if (slash < 0) return undefined;
  const registry = name.slice(0, slash);
  // A registry host has a dot or a port (or is localhost); otherwise `user/repo` is a Docker Hub path.
  if (!/[.:]/.test(registry) && registry !== 'localhost') return undefined;
  const path = name.slice(slash + 1);
  if (at >= 0) {
    const digest = image.slice(at + 1);
    return { registry, repository: path.replace(/:[^/]*$/, ''), reference: digest, digest };
  }
  const colon = path.lastIndexOf(':');
  return colon > 0
    ? { registry, repository: path.slice(0, colon), reference: path.slice(colon + 1) }
    : { registry, repository: path, reference: 'latest' };
}

/** Reads an image's `os/architecture` from its registry, or says why it could not. */
export type PlatformReader = (image: ImageReference) => Promise<string>;

/**
 * The images the cluster's services run, as their current task definitions pin them, with the
 * platform each resolves to in the registry. A tag instead of a digest is reported as such: a
 * mutable reference is what the digest pinning exists to prevent.
 */
export async function readPinnedImages(ecs: ECSClient, cluster: string, platformOf: PlatformReader): Promise<PinnedImage[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster, nextToken }));
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);

  const images: PinnedImage[] = [];
  // DescribeServices takes at most 10 services a call.
  for (let i = 0; i < arns.length; i += 10) {
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
    for (const service of services) {
      if (!service.taskDefinition) continue;
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
      for (const container of taskDefinition?.containerDefinitions ?? []) {
        if (!container.image) continue;
        const parsed = parseImageReference(container.image);
        let platform: string;
        try {
          platform = parsed ? await platformOf(parsed) : 'not in a registry this tool can read';
        } catch (err) {
          platform = `unknown: ${messageOf(err)}`;
        }
        images.push({ usedBy: `${service.serviceName}/${container.name}`, reference: container.image, digest: parsed?.digest, platform });
      }
    }
  }
  return images.sort((a, b) => a.usedBy.localeCompare(b.usedBy));
}
