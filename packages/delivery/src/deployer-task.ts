import type { ECSClient } from '@aws-sdk/client-ecs';
import { UserError } from '@blog-data/cli-kit';
import { OneOffTask, runTaskToCompletion, WaitOptions } from '@blog-data/ecs-rollout';
import type { InfraOutputs } from './artifacts';

/** The deployer task's container (packages/infra deployer-task.ts). */
export const DEPLOYER_CONTAINER = 'flows-deployer';

/**
 * The flows step of an environment without a public entry (`endpoint: 'private'`): the API answers
 * inside the VPC only, so the deployer runs there, as infra's one-off deployer task (pinned to the
 * image this deploy published, with the platform's outputs and the API secret of its own), in the
 * worker's subnets and security group, the same `apply --prune` the CI job runs otherwise.
 */
export function deployerTaskRun(outputs: InfraOutputs): OneOffTask {
  return {
    cluster: outputs.ecs_cluster_arn,
    taskDefinition: outputs.deployer_task_definition_arn,
    containerName: DEPLOYER_CONTAINER,
    // The manifest shipped in the image (docker/flows-deployer/Dockerfile).
    command: ['apply', '--manifest', '/app/prefect.yaml', '--prune'],
    network: { subnetIds: outputs.task_subnet_ids, securityGroupIds: [outputs.worker_security_group_id], assignPublicIp: outputs.assign_public_ip },
    startedBy: 'platform-deploy',
  };
}

/** Runs the deployer task to its end; a failed apply is an error naming the task and where its log is. */
export async function runDeployerTask(ecs: ECSClient, outputs: InfraOutputs, options: WaitOptions = {}): Promise<void> {
  const outcome = await runTaskToCompletion(ecs, deployerTaskRun(outputs), options);
  if (!outcome.ok) {
    throw new UserError(`the deployer task failed: ${outcome.summary}`, outcome.taskArn,
      `read its log in ${outputs.log_group_deployer} (\`platform-ops logs --service deployer\`)`);
  }
}
