import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs';
import { DeployError } from './errors';

/** The container of the deployer task definition (infra's DeployerTask). */
export const DEPLOYER_CONTAINER = 'flows-deployer';

/**
 * A new revision of the deployer task definition that runs exactly `image`
 * (`<repository>@sha256:…`): the same family, roles, sizes and environment, only the
 * deployer container's image changed. Read-only fields ECS returns are left out.
 */
export function pinDeployerImage(current: TaskDefinition, image: string): RegisterTaskDefinitionCommandInput {
  const containers = current.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === DEPLOYER_CONTAINER)) {
    throw new DeployError(
      `task definition ${current.taskDefinitionArn} has no ${DEPLOYER_CONTAINER} container`,
      'deployer_task_definition_arn',
      'apply the platform stack (infra:deploy) so the output names the deployer task definition',
    );
  }
  return {
    family: current.family,
    taskRoleArn: current.taskRoleArn,
    executionRoleArn: current.executionRoleArn,
    networkMode: current.networkMode,
    requiresCompatibilities: current.requiresCompatibilities,
    cpu: current.cpu,
    memory: current.memory,
    runtimePlatform: current.runtimePlatform,
    volumes: current.volumes,
    containerDefinitions: containers.map((c) => (c.name === DEPLOYER_CONTAINER ? { ...c, image } : c)),
  };
}

/** Registers the pinned revision; returns its ARN. */
export async function registerPinnedDeployer(ecs: ECSClient, taskDefinitionArn: string, image: string): Promise<string> {
  const current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
  if (!current.taskDefinition) throw new DeployError(`task definition ${taskDefinitionArn} not found`, 'deployer_task_definition_arn', 'apply the platform stack (infra:deploy)');
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(pinDeployerImage(current.taskDefinition, image)));
  return registered.taskDefinition!.taskDefinitionArn!;
}
