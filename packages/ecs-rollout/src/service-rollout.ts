import { DescribeServicesCommand, ECSClient, Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { rolloutError } from './errors';
import { WaitOptions, waiting } from './wait';

/** One change to a service. */
export interface ServiceUpdate {
  /** Cluster name or ARN. */
  readonly cluster: string;
  /** Service name. */
  readonly service: string;
  /** New task definition ARN; default: keep the current one. */
  readonly taskDefinition?: string;
  /** Replace the tasks even when nothing changed (new secrets are read only at task start). */
  readonly forceNewDeployment?: boolean;
  /** New desired count; default: keep it. */
  readonly desiredCount?: number;
}

/** Where a deployment stands. */
export interface RolloutState {
  readonly status: 'in-progress' | 'completed' | 'failed';
  /** One line: counts and ECS's own reason. */
  readonly summary: string;
}

/**
 * Judges one deployment of a described service. ECS sets `rolloutState` (IN_PROGRESS,
 * COMPLETED, FAILED) on deployments of services with the rolling deployment controller;
 * where it is absent (older services, emulators) the deployment counts as completed when it
 * is the only one left and runs its desired count. A deployment that is no longer listed
 * was replaced (a newer update, or the circuit breaker's rollback): that is a failure here.
 */
export function judgeRollout(service: Service, deploymentId: string): RolloutState {
  const deployments = service.deployments ?? [];
  const d = deployments.find((x) => x.id === deploymentId);
  if (!d) {
    const primary = deployments.find((x) => x.status === 'PRIMARY');
    return { status: 'failed', summary: `deployment ${deploymentId} was replaced${primary ? ` by ${primary.id} (${primary.taskDefinition ?? '?'})` : ''}` };
  }
  const counts = `${d.runningCount ?? 0}/${d.desiredCount ?? 0} running${d.pendingCount ? `, ${d.pendingCount} pending` : ''}${d.failedTasks ? `, ${d.failedTasks} failed` : ''}`;
  const reason = d.rolloutStateReason ? `: ${d.rolloutStateReason}` : '';
  if (d.rolloutState === 'FAILED') return { status: 'failed', summary: `${counts}${reason}` };
  if (d.rolloutState === 'COMPLETED') return { status: 'completed', summary: `${counts}${reason}` };
  if (d.status !== 'PRIMARY') return { status: 'failed', summary: `deployment ${deploymentId} is ${d.status} (${counts})` };
  if (d.rolloutState === undefined && deployments.length === 1 && (d.runningCount ?? 0) === (d.desiredCount ?? 0)) {
    return { status: 'completed', summary: counts };
  }
  return { status: 'in-progress', summary: `${counts}${reason}` };
}

/** What a finished rollout left behind. */
export interface RolloutResult {
  readonly deploymentId: string;
  readonly taskDefinition: string;
  readonly summary: string;
}

/**
 * Updates a service and waits (default up to 20 minutes) until its new deployment is
 * COMPLETED. Throws a `UserError` of kind `rollout` when the deployment fails (circuit breaker), is
 * replaced, or the deadline passes; the message names the service and ECS's reason.
 */
export async function updateServiceAndWait(ecs: ECSClient, update: ServiceUpdate, options: WaitOptions = {}): Promise<RolloutResult> {
  const wait = waiting(options, 20 * 60_000);
  const answer = await ecs.send(new UpdateServiceCommand({
    cluster: update.cluster,
    service: update.service,
    taskDefinition: update.taskDefinition,
    forceNewDeployment: update.forceNewDeployment,
    desiredCount: update.desiredCount,
  }));
  const primary = answer.service?.deployments?.find((d) => d.status === 'PRIMARY');
  if (!primary?.id) throw rolloutError('UpdateService returned no primary deployment', `service ${update.service} in ${update.cluster}`);
  const taskDefinition = update.taskDefinition ?? primary.taskDefinition ?? answer.service?.taskDefinition ?? '?';
  for (;;) {
    const described = await ecs.send(new DescribeServicesCommand({ cluster: update.cluster, services: [update.service] }));
    const service = described.services?.[0];
    if (!service) throw rolloutError('the service vanished during the rollout', `service ${update.service} in ${update.cluster}`);
    const state = judgeRollout(service, primary.id);
    if (state.status === 'completed') return { deploymentId: primary.id, taskDefinition, summary: state.summary };
    if (state.status === 'failed') {
      throw rolloutError(`deployment ${primary.id} failed (${state.summary})`, `service ${update.service} in ${update.cluster}`, 'see `platform-ops doctor`');
    }
    wait.progress(`${update.service}: ${state.summary}`);
    if (wait.now() >= wait.deadline) {
      throw rolloutError(
        `deployment ${primary.id} not complete within ${Math.round((options.timeoutMs ?? 20 * 60_000) / 1000)} s (${state.summary})`,
        `service ${update.service} in ${update.cluster}`,
      );
    }
    await wait.sleep(wait.pollMs);
  }
}
