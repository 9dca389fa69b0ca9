/**
 * IAM policy documents as plain objects, rendered with `JSON.stringify`. Tokens
 * (ARNs of resources in the same stack) become `${...}` interpolations inside the
 * JSON string, so the synthesized policy stays parseable JSON that tests can scan.
 */

/** One IAM policy statement. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Record<string, string | string[]> | '*';
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[] | boolean>>;
}

/** Renders statements as a policy document string (IAM, bucket, key policies). */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** `aws`, `aws-cn` or `aws-us-gov`, from the region name. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Where ARNs are built: the environment's partition, region and account. */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; pass `region: ''` for global services. */
export function arnFor(scope: ArnScope, service: string, resource: string, options: { global?: boolean } = {}): string {
  const region = options.global ? '' : scope.region;
  return `arn:${partitionOf(scope.region)}:${service}:${region}:${scope.accountId}:${resource}`;
}

/** Trust policy letting an AWS service assume a role, bound to this account (confused-deputy guard). */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return policyDocument([
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
    },
  ]);
}
