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

/** Whether the environment has a load balancer (every endpoint but `private`). */
export function hasLoadBalancer(config: PlatformConfig): boolean {
  return config.endpoint !== 'private';
}

/** The Cloud Map private DNS namespace of a `private` endpoint: `blog-data-dev.internal` (a VPC-only hosted zone). */
export function privateDnsNamespace(config: PlatformConfig): string {
  return `${namePrefix(config)}.internal`;
}

/** The server's name in {@link privateDnsNamespace} (the Cloud Map service). */
export const PRIVATE_SERVER_NAME = 'prefect-server';

/** The Prefect server's port (API and UI), on the task and behind every entry. */
export const PREFECT_SERVER_PORT = 4200;

/**
 * The server's base URL inside the VPC with a `private` endpoint:
 * `http://prefect-server.blog-data-dev.internal:4200`. Plain HTTP on purpose: it never leaves the
 * VPC (people reach it through an SSM tunnel, which is encrypted).
 */
export function privateBaseUrl(config: PlatformConfig): string {
  return `http://${PRIVATE_SERVER_NAME}.${privateDnsNamespace(config)}:${PREFECT_SERVER_PORT}`;
}

/**
 * Where people open the UI with a `private` endpoint: the local end of the port forward
 * `platform-ops connect` opens (same port as the server, so the address the UI is told to call
 * its API on, `PREFECT_UI_API_URL`, is the same for everyone).
 */
export const PRIVATE_TUNNEL_URL = `http://localhost:${PREFECT_SERVER_PORT}`;

/** Whether the API is served by CloudFront in front of an internal ALB: HTTPS without a domain. */
export function servedThroughCloudFront(config: PlatformConfig): boolean {
  return !config.domain && config.endpoint === 'cloudfront';
}

/**
 * What a deploy of this configuration should say out loud: settings that are allowed but
 * weaken the platform (plain HTTP in dev, prod's database without deletion protection).
 */
export function configWarnings(config: PlatformConfig): string[] {
  const warnings: string[] = [];
  if (config.endpoint === 'insecure-http' && !config.domain) {
    warnings.push(
      `${config.env} serves the Prefect API over plain HTTP (endpoint: insecure-http): the basic-auth password crosses the network in clear text`,
    );
  }
  if (!config.alarms.email && !config.alarms.webhookSecretName) {
    warnings.push(`${config.env} alarms reach nobody: set alarms.email or alarms.webhookSecretName in packages/config/src/environments/${config.env}.ts`);
  }
  if (config.env === 'prod' && !config.aurora.deletionProtection) {
    warnings.push('prod database deletion protection is OFF (aurora.deletionProtection: false, confirmed): terraform destroy deletes the prod database');
  }
  return warnings;
}

/** The Aurora cluster's identifier (`blog-data-dev-prefect`); infra names it, ops looks it up. */
export function databaseClusterIdentifier(config: PlatformConfig): string {
  return `${namePrefix(config)}-prefect`;
}

/** The two roles CircleCI assumes through OIDC (created by the bootstrap stack). */
export type CiRole = 'deploy' | 'ecr-push';

/** Name of a CircleCI role: `blog-data-prod-circleci-deploy`. */
export function ciRoleName(config: PlatformConfig, role: CiRole): string {
  return `${namePrefix(config)}-circleci-${role}`;
}

/** ARN of a CircleCI role, for the pipeline that assumes it. */
export function ciRoleArn(config: PlatformConfig, role: CiRole): string {
  return `arn:${awsPartition(config.aws.region)}:iam::${config.aws.accountId}:role/${ciRoleName(config, role)}`;
}

/** The AWS partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function awsPartition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
