import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AwsClients } from './doctor/types';

/**
 * SDK clients for the environment's region. Credentials and endpoints come from
 * the default chain, so AWS_PROFILE, OIDC web identity in CI and
 * AWS_ENDPOINT_URL (the emulator in tests) all work unchanged.
 */
export function createAwsClients(region: string): AwsClients {
  const options = { region, maxAttempts: 3 };
  return {
    ecs: new ECSClient(options),
    elbv2: new ElasticLoadBalancingV2Client(options),
    rds: new RDSClient(options),
    ec2: new EC2Client(options),
    ecr: new ECRClient(options),
    secrets: new SecretsManagerClient(options),
    logs: new CloudWatchLogsClient(options),
    sns: new SNSClient(options),
  };
}

/** Closes the clients' sockets so the process can exit promptly. */
export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
}

/**
 * Resolves the SDK's credential chain once, before any call: without credentials it throws the
 * SDK's `CredentialsProviderError`, which cli-kit's `runCli` prints as one line saying how to
 * provide them. Nothing is sent to AWS.
 */
export async function assertAwsCredentials(clients: AwsClients): Promise<void> {
  const provider = (clients.ecs.config as { credentials?: () => Promise<unknown> }).credentials;
  await provider?.();
}
