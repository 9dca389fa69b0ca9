import { UserError } from '@blog-data/cli-kit';
import { loadConfig } from '@blog-data/config';
import { assertPrivateEndpoint, findServerTask, needsUiProxy, planConnect, shellCommand } from '../src';

/**
 * The port forward to the server task. moto 5.2.1's DescribeTasks returns no container
 * `runtimeId` (packages/infra/README.md, emulator deviations), so the answers here are recorded in
 * the shape ECS gives them (DescribeTasks: containers[].runtimeId = `<task id>-<number>`).
 */
const dev = loadConfig({ env: 'dev', environ: {} });
const TASK_ID = '0123456789abcdef0123456789abcdef';
const RUNTIME_ID = `${TASK_ID}-2531612879`;
const running = {
  taskArn: `arn:aws:ecs:eu-west-2:111111111111:task/prefect-dev/${TASK_ID}`,
  lastStatus: 'RUNNING',
  containers: [{ name: 'prefect-server', runtimeId: RUNTIME_ID }],
};

function ecs(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  return {
    calls,
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ name: command.constructor.name, input: command.input });
      return answers[command.constructor.name](command.input);
    },
  };
}

describe('platform-ops connect', () => {
  it('targets ecs:<cluster>_<task id>_<runtime id> with the port-forwarding document, 4200 to 4200', () => {
    const plan = planConnect(dev, 'prefect-dev', running);
    expect(plan.target).toBe(`ecs:prefect-dev_${TASK_ID}_${RUNTIME_ID}`);
    expect(plan.url).toBe('http://localhost:4200');
    expect(shellCommand(plan.argv)).toBe(
      `aws ssm start-session --region eu-west-2 --target ecs:prefect-dev_${TASK_ID}_${RUNTIME_ID} --document-name AWS-StartPortForwardingSession `
      + '--parameters \'{"portNumber":["4200"],"localPortNumber":["4200"]}\'',
    );
    expect(planConnect(dev, 'prefect-dev', running, 4300).argv.at(-1)).toBe('{"portNumber":["4200"],"localPortNumber":["4300"]}');
  });

  it('forwards to another local port when a UI proxy takes the asked one (any port but 4200)', () => {
    const plan = planConnect(dev, 'prefect-dev', running, 8080, 53123);
    expect(plan).toMatchObject({ localPort: 8080, forwardPort: 53123, url: 'http://localhost:8080' });
    expect(plan.argv.at(-1)).toBe('{"portNumber":["4200"],"localPortNumber":["53123"]}');
    expect(needsUiProxy(4200)).toBe(false);
    expect(needsUiProxy(8080)).toBe(true);
  });

  it('finds a RUNNING task of the server service in the cluster', async () => {
    const client = ecs({
      ListTasksCommand: () => ({ taskArns: ['arn:a', running.taskArn] }),
      DescribeTasksCommand: () => ({ tasks: [{ taskArn: 'arn:a', lastStatus: 'PROVISIONING', containers: [] }, running] }),
    });
    const plan = await findServerTask(dev, client as never);
    expect(plan.taskId).toBe(TASK_ID);
    expect(client.calls[0]).toEqual({ name: 'ListTasksCommand', input: { cluster: 'prefect-dev', serviceName: 'prefect-server', desiredStatus: 'RUNNING' } });
  });

  it('says the environment sleeps when the server runs no task, and waits for a runtime id', async () => {
    const none = ecs({ ListTasksCommand: () => ({ taskArns: [] }) });
    await expect(findServerTask(dev, none as never)).rejects.toThrow('service prefect-server runs no task (asleep by its schedule? `platform-ops wake --env dev`)');
    expect(() => planConnect(dev, 'prefect-dev', { ...running, containers: [{ name: 'prefect-server' }] })).toThrow(`server task ${TASK_ID} has no container runtime id yet`);
  });

  it('refuses an environment with a load balancer (no ECS Exec there)', () => {
    expect(() => assertPrivateEndpoint(loadConfig({ env: 'staging', environ: {} }))).toThrow(UserError);
    expect(() => assertPrivateEndpoint(loadConfig({ env: 'staging', environ: {} }))).toThrow('staging has a public entry (endpoint cloudfront), not a private one');
    expect(() => assertPrivateEndpoint(dev)).not.toThrow();
  });
});
