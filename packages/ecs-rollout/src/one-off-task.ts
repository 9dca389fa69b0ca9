import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand, Task } from '@aws-sdk/client-ecs';
import { rolloutError } from './errors';
import { WaitOptions, waiting } from './wait';

/** Where a Fargate task runs (the awsvpc configuration). */
export interface TaskNetwork {
  /** Subnets of the task. */
  readonly subnetIds: readonly string[];
  /** Security groups of the task. */
  readonly securityGroupIds: readonly string[];
  /** Whether the task needs a public IP (public subnets without NAT). */
  readonly assignPublicIp: boolean;
}

/** A one-off task: a task definition run once, outside any service. */
export interface OneOffTask {
  /** Cluster name or ARN. */
  readonly cluster: string;
  /** Task definition ARN (or `family:revision`). */
  readonly taskDefinition: string;
  /** The essential container whose exit code decides success. */
  readonly containerName: string;
  /** Command override for that container; default: the task definition's. */
  readonly command?: readonly string[];
  /** Subnets, security groups, public IP. */
  readonly network: TaskNetwork;
  /** `startedBy` tag of the task (≤ 36 characters), so it can be found in the console. */
  readonly startedBy?: string;
}

/** How a one-off task ended. */
export interface TaskOutcome {
  readonly taskArn: string;
  /** True when the container exited 0. */
  readonly ok: boolean;
  readonly exitCode?: number;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  /** One line: what happened. */
  readonly summary: string;
}

/**
 * Judges a STOPPED task: success only when its container exited 0. ECS reports a task
 * that never started (image pull, secrets) with `stopCode: TaskFailedToStart` and no exit
 * code, one stopped by a person with `UserInitiated`; neither ran to completion.
 */
export function judgeStoppedTask(task: Task, containerName: string): TaskOutcome {
  const taskArn = task.taskArn ?? '?';
  const container = task.containers?.find((c) => c.name === containerName);
  const exitCode = container?.exitCode;
  const stopCode = task.stopCode;
  const stoppedReason = task.stoppedReason || undefined;
  const why = [stopCode, stoppedReason, container?.reason].filter(Boolean).join(': ');
  if (!container) {
    return { taskArn, ok: false, stopCode, stoppedReason, summary: `task ${shortId(taskArn)} has no container "${containerName}"${why ? ` (${why})` : ''}` };
  }
  if (stopCode === 'TaskFailedToStart' || stopCode === 'UserInitiated' || exitCode === undefined || exitCode === null) {
    return { taskArn, ok: false, stopCode, stoppedReason, summary: `task ${shortId(taskArn)} did not run to completion (${why || 'no exit code'})` };
  }
  if (exitCode !== 0) {
    return { taskArn, ok: false, exitCode, stopCode, stoppedReason, summary: `container ${containerName} exited ${exitCode}${why ? ` (${why})` : ''}` };
  }
  return { taskArn, ok: true, exitCode, stopCode, stoppedReason, summary: `container ${containerName} exited 0` };
}

/**
 * Runs a one-off Fargate task and waits until it stops (default up to 30 minutes).
 * Resolves with the outcome, ok or not; throws a `UserError` of kind `rollout` when ECS refuses to
 * start it or the deadline passes (the task is then stopped, so nothing keeps running
 * behind a failed deploy).
 */
export async function runTaskToCompletion(ecs: ECSClient, task: OneOffTask, options: WaitOptions = {}): Promise<TaskOutcome> {
  if (task.network.subnetIds.length === 0) throw rolloutError('network.subnetIds is empty', `one-off task ${task.taskDefinition}`);
  const wait = waiting(options, 30 * 60_000);
  const started = await ecs.send(new RunTaskCommand({
    cluster: task.cluster,
    taskDefinition: task.taskDefinition,
    launchType: 'FARGATE',
    count: 1,
    startedBy: task.startedBy?.slice(0, 36),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...task.network.subnetIds],
        securityGroups: [...task.network.securityGroupIds],
        assignPublicIp: task.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    overrides: task.command ? { containerOverrides: [{ name: task.containerName, command: [...task.command] }] } : undefined,
  }));
  const failure = started.failures?.[0];
  const taskArn = started.tasks?.[0]?.taskArn;
  if (failure || !taskArn) {
    throw rolloutError(
      `ECS did not start the task: ${failure ? `${failure.reason ?? ''} ${failure.detail ?? ''}`.trim() : 'no task in the answer'}`,
      `${task.taskDefinition} in ${task.cluster}`,
    );
  }
  wait.progress(`started ${shortId(taskArn)} (${task.taskDefinition.split('/').pop()})`);
  for (;;) {
    const described = await ecs.send(new DescribeTasksCommand({ cluster: task.cluster, tasks: [taskArn] }));
    const current = described.tasks?.[0];
    if (!current) throw rolloutError('the task vanished before it stopped', `task ${taskArn} in ${task.cluster}`);
    if (current.lastStatus === 'STOPPED') return judgeStoppedTask(current, task.containerName);
    wait.progress(`${shortId(taskArn)}: ${current.lastStatus ?? 'PENDING'}`);
    if (wait.now() >= wait.deadline) {
      await ecs.send(new StopTaskCommand({ cluster: task.cluster, task: taskArn, reason: 'deadline of the deploy step passed' }));
      throw rolloutError(`the task did not stop within ${Math.round((options.timeoutMs ?? 30 * 60_000) / 1000)} s; it was stopped`, `task ${taskArn} in ${task.cluster}`);
    }
    await wait.sleep(wait.pollMs);
  }
}

/** The task id, the last part of its ARN. */
export function shortId(arn: string): string {
  return arn.split('/').pop() ?? arn;
}
