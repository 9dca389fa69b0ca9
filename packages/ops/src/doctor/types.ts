import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { PlatformConfig } from '@blog-data/config';
import type { InfraOutputs } from '../infra-outputs';

/** The outcome of one check. */
export interface CheckResult {
  /** Stable id, e.g. `ecs-service-server`. */
  readonly id: string;
  /** What is checked, e.g. `ECS service prefect-server runs its desired tasks`. */
  readonly title: string;
  readonly ok: boolean;
  /** What the check found (always set, pass or fail). */
  readonly found: string;
  /** How to fix it; set when the check fails. */
  readonly fix?: string;
}

/** The result of `doctor`. */
export interface DoctorReport {
  readonly env: string;
  /** True when every check passed. */
  readonly ok: boolean;
  /** Set when the environment is scaled to 0 by its schedule: the next scheduled start, in the schedule's zone. */
  readonly asleepUntil?: string;
  readonly checks: readonly CheckResult[];
}

/** The AWS clients the checks use (real SDK clients; tests may pass recorded ones). */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly rds: RDSClient;
  readonly ec2: EC2Client;
  readonly ecr: ECRClient;
  readonly secrets: SecretsManagerClient;
  readonly logs: CloudWatchLogsClient;
  readonly sns: SNSClient;
}

/** Everything a check may read. */
export interface DoctorContext {
  readonly config: PlatformConfig;
  readonly outputs: InfraOutputs;
  readonly aws: AwsClients;
  /** Registry to read manifests from instead of ECR's endpoint (`host[:port]` or a URL). */
  readonly registry?: string;
  /** Basic-auth string `user:password` for the Prefect API; else read from `api_auth_secret_arn`. */
  readonly apiAuthString?: string;
  /** Prefect base URL instead of the `prefect_url` output. */
  readonly prefectUrl?: string;
  /** Time limit of each HTTP request, ms. Default 5000 (the ALB health check's own time-out). */
  readonly httpTimeoutMs?: number;
  /** Clock, for heartbeat ages and stopped-task windows. */
  readonly now?: () => Date;
}

/** A passing result. */
export function pass(id: string, title: string, found: string): CheckResult {
  return { id, title, ok: true, found };
}

/** A failing result. */
export function fail(id: string, title: string, found: string, fix: string): CheckResult {
  return { id, title, ok: false, found, fix };
}

/** The fix for a missing infra output. */
export function missingOutput(name: string): string {
  return `pass --infra-outputs FILE, written by \`terraform output -json\` in the platform stack; it needs \`${name}\``;
}
