import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@blog-data/cli-kit';
import { loadConfig } from '@blog-data/config';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { ARTIFACT_FILES, deployerTaskRun, InfraOutputs, infraOutputsSchema, runDeployerTask, runStep } from '../src';

/**
 * The flows step of a private endpoint runs infra's deployer task in the VPC (the API is not
 * reachable from CI). runTaskToCompletion itself is proven against the AWS emulator in
 * packages/ecs-rollout; here, what this step asks of it, with ECS answers in ECS's shape.
 */
const outputs: InfraOutputs = infraOutputsSchema.parse({
  ...EXAMPLE_PLATFORM_OUTPUTS,
  endpoint: 'private',
  prefect_url: 'http://prefect-server.blog-data-dev.internal:4200',
  prefect_api_url: 'http://prefect-server.blog-data-dev.internal:4200/api',
  alb_dns_name: undefined,
});
const TASK = 'arn:aws:ecs:eu-west-2:111111111111:task/prefect-dev/0123456789abcdef';

function ecs(exitCode: number) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  return {
    calls,
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ name: command.constructor.name, input: command.input });
      if (command.constructor.name === 'RunTaskCommand') return { tasks: [{ taskArn: TASK }] };
      return { tasks: [{ taskArn: TASK, lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers: [{ name: 'flows-deployer', exitCode }] }] };
    },
  };
}

describe('the flows step without a public entry (endpoint private)', () => {
  it('runs apply --prune as the deployer task, in the worker\'s subnets and security group', () => {
    expect(deployerTaskRun(outputs)).toEqual({
      cluster: 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev',
      taskDefinition: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-flows-deployer:1',
      containerName: 'flows-deployer',
      command: ['apply', '--manifest', '/app/prefect.yaml', '--prune'],
      network: { subnetIds: ['subnet-01', 'subnet-02'], securityGroupIds: ['sg-02'], assignPublicIp: true },
      startedBy: 'platform-deploy',
    });
  });

  it('waits for the task and passes when the deployer exits 0', async () => {
    const client = ecs(0);
    await runDeployerTask(client as never, outputs, { pollMs: 1, sleep: async () => {} });
    expect(client.calls.map((c) => c.name)).toEqual(['RunTaskCommand', 'DescribeTasksCommand']);
    expect(client.calls[0].input).toMatchObject({
      launchType: 'FARGATE',
      overrides: { containerOverrides: [{ name: 'flows-deployer', command: ['apply', '--manifest', '/app/prefect.yaml', '--prune'] }] },
    });
  });

  it('fails with the task and where its log is when the deployer exits non-zero', async () => {
    const failed = runDeployerTask(ecs(1) as never, outputs, { pollMs: 1, sleep: async () => {} });
    await expect(failed).rejects.toThrow(UserError);
    await expect(runDeployerTask(ecs(1) as never, outputs, { pollMs: 1, sleep: async () => {} }))
      .rejects.toThrow('the deployer task failed: container flows-deployer exited 1 (EssentialContainerExited)');
  });

  it('says what it would run in a dry run (no secret read, no local deployer)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'delivery-private-'));
    mkdirSync(join(root, '.deploy'));
    writeFileSync(join(root, ARTIFACT_FILES.infraOutputs), JSON.stringify(outputs));
    const lines: string[] = [];
    const config = loadConfig({ env: 'dev', environ: {} });
    await runStep('flows-deployer', { root, config, dryRun: true, profiles: {}, log: (l) => lines.push(l) });
    expect(lines).toEqual([
      '  would run the deployer task arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-flows-deployer:1 in '
      + 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev: apply --manifest /app/prefect.yaml --prune',
    ]);
  });
});
