import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { InfraOutputs } from './infra-outputs';

/** The ECR registry the platform's repository lives in, and how to authenticate to it. */
export interface EcrAccess {
  /** The `Authorization` header value: ECR's token is already base64 `AWS:<password>`. */
  readonly authorization: string;
  /** The registry host from the repository URL, else the token's proxy endpoint. */
  readonly registryHost?: string;
  /** The 12-digit account id when the repository URL names it (a shared registry in another account). */
  readonly registryId?: string;
}

/** The account id and host of the repository URL output, if it is an ECR URL. */
export function ecrRepositoryHost(outputs: Pick<InfraOutputs, 'ecr_repository_url'>): { host?: string; registryId?: string } {
  const host = outputs.ecr_repository_url?.replace(/^https?:\/\//, '').split('/')[0];
  return { host, registryId: /^(\d{12})\.dkr\.ecr\./.exec(host ?? '')?.[1] };
}

/** Asks ECR for a registry token; throws the SDK's error (the caller says which permission is missing). */
export async function ecrAccess(ecr: ECRClient, outputs: Pick<InfraOutputs, 'ecr_repository_url'>): Promise<EcrAccess> {
  const { host, registryId } = ecrRepositoryHost(outputs);
  const token = await ecr.send(new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}));
  const data = token.authorizationData?.[0];
  if (!data?.authorizationToken) throw new Error('ECR GetAuthorizationToken returned no authorizationData');
  return { authorization: `Basic ${data.authorizationToken}`, registryHost: host ?? data.proxyEndpoint, registryId };
}
