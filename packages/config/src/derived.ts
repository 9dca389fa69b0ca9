import type { PlatformConfig } from './schema';

/** `blog-data-dev`: the prefix of every per-environment resource name. */
export function namePrefix(config: PlatformConfig): string {
  return `${config.project}-${config.env}`;
}

/** The ECR registry host of the environment's account and region. */
export function ecrRegistryHost(config: PlatformConfig): string {
  return `${config.aws.accountId}.dkr.ecr.${config.aws.region}.amazonaws.com`;
}

/** The image reference tasks run: pinned by digest when one is configured, else the rolling tag. */
export function imageReference(config: PlatformConfig, digest = config.image.digest): string {
  const repo = `${ecrRegistryHost(config)}/${config.image.repository}`;
  return digest ? `${repo}@${digest}` : `${repo}:${config.image.tag}`;
}

/** The Prefect UI/API base URL users reach: https on the domain, else the ALB's DNS name over http. */
export function publicBaseUrl(config: PlatformConfig, albDnsName: string): string {
  return config.domain ? `https://${config.domain.name}` : `http://${albDnsName}`;
}
