import { spawn } from 'node:child_process';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, Task } from '@aws-sdk/client-ecs';
import { UserError } from '@blog-data/cli-kit';
import { PlatformConfig, PREFECT_SERVER_PORT, PRIVATE_TUNNEL_URL } from '@blog-data/config';
import { SERVICES } from './doctor/ecs';

/** The server container, whose runtime id names the SSM target (packages/infra prefect-server.ts). */
const SERVER_CONTAINER = 'prefect-server';

/** The port forward to one server task: the SSM target and the exact `aws` command. */
export interface ConnectPlan {
  readonly taskId: string;
  /** `ecs:<cluster name>_<task id>_<container runtime id>`: how SSM names an ECS Exec target. */
  readonly target: string;
  readonly localPort: number;
  /**
   * The local end of the port forward: `localPort`, or another port when a UI proxy listens on
   * `localPort` (any port but 4200, see ui-proxy.ts).
   */
  readonly forwardPort: number;
  /** The UI's address on this machine while the session runs. */
  readonly url: string;
  /** `aws` and its arguments. */
  readonly argv: readonly string[];
}

/**
 * Builds the port forward to a running server task (pure): SSM's `AWS-StartPortForwardingSession`
 * document on the task's ECS Exec target. Throws a UserError when the task has no runtime id yet.
 */
export function planConnect(
  config: PlatformConfig, clusterName: string, task: Task, localPort = PREFECT_SERVER_PORT, forwardPort = localPort,
): ConnectPlan {
  const taskId = (task.taskArn ?? '').split('/').pop() ?? '';
  const runtimeId = task.containers?.find((c) => c.name === SERVER_CONTAINER)?.runtimeId;
  if (!taskId || !runtimeId) {
    throw new UserError(`server task ${taskId || '?'} has no container runtime id yet`, `cluster ${clusterName}`, 'the task is still starting: wait a minute and run connect again');
  }
  const target = `ecs:${clusterName}_${taskId}_${runtimeId}`;
  const parameters = JSON.stringify({ portNumber: [String(PREFECT_SERVER_PORT)], localPortNumber: [String(forwardPort)] });
  return {
    taskId,
    target,
    localPort,
    forwardPort,
    url: localPort === PREFECT_SERVER_PORT ? PRIVATE_TUNNEL_URL : `http://localhost:${localPort}`,
    argv: ['aws', 'ssm', 'start-session', '--region', config.aws.region, '--target', target, '--document-name', 'AWS-StartPortForwardingSession', '--parameters', parameters],
  };
}

/** The command line, quoted for a POSIX shell (the parameters are JSON). */
export function shellCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, '\'\\\'\'')}'`)).join(' ');
}

/** Finds a running server task of the environment and plans the port forward to it. */
export async function findServerTask(
  config: PlatformConfig, ecs: Pick<ECSClient, 'send'>, localPort?: number, forwardPort?: number,
): Promise<ConnectPlan> {
  const cluster = config.ecs.clusterName;
  const service = SERVICES.server.name;
  const listed = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }));
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) {
    const wake = config.schedule ? ` (asleep by its schedule? \`platform-ops wake --env ${config.env}\`)` : '';
    throw new UserError(`service ${service} runs no task${wake}`, `cluster ${cluster}`, `start the server, then run connect again; \`platform-ops doctor --env ${config.env}\` says why it is down`);
  }
  const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
  const running = (described.tasks ?? []).filter((t) => t.lastStatus === 'RUNNING');
  if (running.length === 0) {
    throw new UserError(`service ${service} has no RUNNING task yet`, `cluster ${cluster}`, 'the task is still starting: wait a minute and run connect again');
  }
  return planConnect(config, cluster, running[0], localPort, forwardPort);
}

/** Whether the UI needs the proxy: the server tells the UI its API is on the tunnel's port 4200. */
export function needsUiProxy(localPort: number): boolean {
  return localPort !== PREFECT_SERVER_PORT;
}

/** Refuses environments with a load balancer: their server has no ECS Exec, and a URL of its own. */
export function assertPrivateEndpoint(config: PlatformConfig): void {
  if (config.endpoint !== 'private') {
    throw new UserError(`${config.env} has a public entry (endpoint ${config.endpoint}), not a private one`, `packages/config/src/environments/${config.env}.ts`,
      'open its prefect_url; connect forwards a port only where endpoint is "private" (ECS Exec is on only there)');
  }
}

/** Runs the session in the foreground (the `aws` CLI with the Session Manager plugin), resolving with its exit code. */
export function runSession(plan: ConnectPlan, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(plan.argv[0], plan.argv.slice(1), { stdio: 'inherit', env });
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT'
        ? new UserError('the aws CLI is not installed', 'PATH', 'install the AWS CLI v2 and the Session Manager plugin, or run the command `platform-ops connect --print` prints')
        : err);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
