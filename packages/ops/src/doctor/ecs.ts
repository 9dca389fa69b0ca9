import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, Service, Task } from '@aws-sdk/client-ecs';
import { messageOf } from '@blog-data/cli-kit';
import { CheckResult, DoctorContext, fail, missingOutput, pass } from './types';

/**
 * The ECS services infra creates (packages/infra: prefect-server, prefect-worker and, in the
 * scale-out mode, prefect-services, which logs to the server's log group).
 */
export const SERVICES = {
  server: { name: 'prefect-server', logs: 'api' },
  worker: { name: 'prefect-worker', logs: 'worker' },
  services: { name: 'prefect-services', logs: 'api' },
} as const;
export type ServiceRole = keyof typeof SERVICES;

/**
 * The services this environment runs (and its schedule starts and stops): the server and the
 * worker, plus the background services when the config is scale-out.
 */
export function serviceRoles(ctx: DoctorContext): ServiceRole[] {
  return ctx.config.scale.mode === 'scale-out' ? ['server', 'worker', 'services'] : ['server', 'worker'];
}

/** ECS keeps stopped tasks for about an hour; older ones are not listed anyway. */
const STOPPED_WINDOW_MS = 60 * 60 * 1000;

/** A stopped task, reduced to what explains it. */
export interface StoppedTask {
  readonly taskId: string;
  readonly stoppedAt?: Date;
  readonly stopCode?: string;
  readonly stoppedReason: string;
  /** `container: reason (exit N)` of containers that say anything. */
  readonly containers: readonly string[];
  /** What the reason means and how to fix it; undefined for routine stops (deployments, scaling). */
  readonly hint?: string;
}

/**
 * Maps an ECS stop reason to the runbook's fix. Returns undefined for routine
 * stops (a deployment replacing tasks, scaling in).
 */
export function explainStop(
  reason: string, containerReasons: readonly string[], exitCodes: readonly (number | undefined)[], logsService: string,
): string | undefined {
  const all = [reason, ...containerReasons].join(' | ');
  if (/exec format error/i.test(all)) {
    return 'the image is not linux/amd64 (`exec format error`): rebuild with `image-builder publish` and redeploy';
  }
  if (/CannotPullContainerError/i.test(all)) {
    if (/platform|manifest.*descriptor/i.test(all)) return 'the image has no linux/amd64 variant: rebuild with `image-builder publish`';
    return 'the task cannot pull its image: check the image check above, the execution role\'s ECR permissions, and that tasks reach ECR (public IP, NAT gateway or VPC endpoints)';
  }
  if (/ResourceInitializationError/i.test(all) && /secret/i.test(all)) {
    return 'the task cannot read its secrets: the execution role needs secretsmanager:GetSecretValue (and kms:Decrypt), and tasks must reach Secrets Manager';
  }
  if (/ResourceInitializationError/i.test(all)) {
    return 'the task cannot reach AWS APIs while starting (ECR, logs, secrets): check the subnets\' route to the internet, NAT gateway or VPC endpoints';
  }
  if (/ELB health checks/i.test(all)) {
    return 'the ALB health check (GET /api/health, 5 s time-out) failed: the server was still migrating its database or cannot reach it; see the database checks and '
      + `\`platform-ops logs --service ${logsService}\``;
  }
  if (/OutOfMemory/i.test(all) || exitCodes.includes(137)) {
    return 'the container ran out of memory: raise its memory in the config (server/worker) and redeploy';
  }
  if (/Essential container in task exited/i.test(all) || exitCodes.some((c) => c !== undefined && c !== 0)) {
    const codes = exitCodes.filter((c) => c !== undefined && c !== 0).join(', ');
    return `the container exited${codes ? ` (code ${codes})` : ''}: read \`platform-ops logs --service ${logsService}\`; \`exec format error\` means an arm64 image, `
      + '`ConnectError` means the worker cannot reach PREFECT_API_URL, a database time-out means the database security group does not admit the server';
  }
  return undefined;
}

/** Lists the service's recently stopped tasks with their reasons. */
export async function recentStoppedTasks(ctx: DoctorContext, cluster: string, serviceName: string, logsService: string): Promise<StoppedTask[]> {
  const listed = await ctx.aws.ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED', maxResults: 100 }));
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return [];
  const described = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }));
  const now = (ctx.now ?? (() => new Date()))().getTime();
  return (described.tasks ?? [])
    // A service's tasks are in group `service:<name>`; this also guards against emulators that ignore the serviceName filter.
    .filter((t) => !t.group || t.group === `service:${serviceName}`)
    .filter((t) => !t.stoppedAt || now - new Date(t.stoppedAt).getTime() <= STOPPED_WINDOW_MS)
    .sort((a, b) => (b.stoppedAt ? new Date(b.stoppedAt).getTime() : 0) - (a.stoppedAt ? new Date(a.stoppedAt).getTime() : 0))
    .map((t) => toStoppedTask(t, logsService));
}

function toStoppedTask(task: Task, logsService: string): StoppedTask {
  const containers = (task.containers ?? [])
    .filter((c) => c.reason || (c.exitCode !== undefined && c.exitCode !== 0))
    .map((c) => `${c.name}: ${c.reason ?? 'exited'}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}`);
  const reason = task.stoppedReason ?? '';
  return {
    taskId: (task.taskArn ?? '').split('/').pop() ?? '',
    stoppedAt: task.stoppedAt ? new Date(task.stoppedAt) : undefined,
    stopCode: task.stopCode,
    stoppedReason: reason,
    containers,
    hint: explainStop(reason, (task.containers ?? []).map((c) => c.reason ?? ''), (task.containers ?? []).map((c) => c.exitCode), logsService),
  };
}

/**
 * Two checks per service: it runs its desired number of tasks, and none of its
 * tasks stopped for a runbook failure since its current deployment began.
 */
export async function checkService(ctx: DoctorContext, role: ServiceRole): Promise<CheckResult[]> {
  const { name, logs } = SERVICES[role];
  const serviceId = `ecs-service-${role}`;
  const serviceTitle = `ECS service ${name} runs its desired tasks`;
  const stoppedId = `ecs-stopped-${role}`;
  const stoppedTitle = `no ${name} task stopped for a known failure`;
  const cluster = ctx.outputs.ecs_cluster_arn ?? ctx.outputs.ecs_cluster_name ?? ctx.config.ecs.clusterName;

  let service: Service | undefined;
  let stopped: StoppedTask[];
  try {
    const res = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
    service = res.services?.find((s) => s.serviceName === name && s.status !== 'INACTIVE');
    stopped = await recentStoppedTasks(ctx, cluster, name, logs);
  } catch (err) {
    const notFound = (err as Error).name === 'ClusterNotFoundException';
    const found = notFound ? `cluster ${cluster} does not exist` : `ECS API failed: ${messageOf(err)}`;
    const fix = notFound ? `apply the platform stack, or ${missingOutput('ecs_cluster_arn')}` : 'check AWS credentials and region (ecs:DescribeServices, ecs:ListTasks, ecs:DescribeTasks)';
    return [fail(serviceId, serviceTitle, found, fix), fail(stoppedId, stoppedTitle, 'not checked: the service could not be read', fix)];
  }
  if (!service) {
    const fix = 'apply the platform stack: it creates the service';
    return [fail(serviceId, serviceTitle, `no service ${name} in cluster ${cluster}`, fix), fail(stoppedId, stoppedTitle, 'not checked: no service', fix)];
  }

  const bad = stopped.filter((t) => t.hint);
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const since = primary?.createdAt ? new Date(primary.createdAt).getTime() : 0;
  // Failures before the current deployment were (presumably) fixed by it; only newer ones count.
  const current = bad.filter((t) => !t.stoppedAt || t.stoppedAt.getTime() >= since);
  const describe = (t: StoppedTask) => `${t.taskId}: ${t.stoppedReason || t.stopCode || 'stopped'}${t.containers.length ? ` [${t.containers.join('; ')}]` : ''}`;

  const running = service.runningCount ?? 0;
  const desired = service.desiredCount ?? 0;
  const pending = service.pendingCount ?? 0;
  const rollout = primary?.rolloutState ? `, rollout ${primary.rolloutState}` : '';
  const counts = `running ${running} of desired ${desired}${pending ? `, ${pending} pending` : ''}${rollout}`;
  let serviceResult: CheckResult;
  if (desired === 0) {
    serviceResult = fail(serviceId, serviceTitle, counts, 'the service is scaled to 0: set its desired count to 1 (`terraform apply` of the platform stack restores it)');
  } else if (running < desired) {
    const lastEvent = service.events?.[0]?.message;
    const why = current[0]?.hint ?? bad[0]?.hint;
    const fix = why
      ? `${why}`
      : `no task is running: read the service events and \`platform-ops logs --service ${logs}\`; the stopped-task check below lists why tasks stopped`;
    serviceResult = fail(serviceId, serviceTitle, `${counts}${lastEvent ? `; last event: ${lastEvent}` : ''}`, fix);
  } else {
    serviceResult = pass(serviceId, serviceTitle, counts);
  }

  let stoppedResult: CheckResult;
  if (current.length > 0) {
    stoppedResult = fail(stoppedId, stoppedTitle, `${current.length} of ${stopped.length} recently stopped: ${current.slice(0, 3).map(describe).join(' | ')}`,
      current[0].hint as string);
  } else {
    const routine = stopped.length > 0 ? `${stopped.length} stopped in the last hour, none for a known failure since the current deployment (latest: ${describe(stopped[0])})` : 'no tasks stopped in the last hour';
    stoppedResult = pass(stoppedId, stoppedTitle, routine);
  }
  return [serviceResult, stoppedResult];
}
