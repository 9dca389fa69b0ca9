import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { UserError } from '@blog-data/cli-kit';
// test-support is a dev-only helper (the fail-under-CI rule); the scope rule is about runtime dependencies.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { describeWithServices, PrivateEmulator, startPrivateAwsEmulator } from '@blog-data/test-support';
import { OneOffTask, rollBackWithDowngrade, rollOutAfterMigration, runTaskToCompletion } from '../src';

// Needs moto (the shared emulator's presence says it is installed); the test runs its own
// server because it switches on moto's state manager for ECS tasks, which is global.
describeWithServices('migration task before the service update (AWS emulator)', ['AWS_ENDPOINT_URL'], () => {
  let emulator: PrivateEmulator;
  let ecs: ECSClient;
  /** Commands the client sent, in order. */
  const sent: string[] = [];
  const cluster = 'prefect-test';
  let network: OneOffTask['network'];
  let oldServer: string;
  let newServer: string;
  let migration: string;
  let oldServices: string;
  let newServices: string;
  const fast = { pollMs: 10 };

  beforeAll(async () => {
    // moto never moves a deployment along; with this, services report their desired tasks running.
    emulator = await startPrivateAwsEmulator({ env: { MOTO_ECS_SERVICE_RUNNING: '1' } });
    // Each DescribeTasks moves a task one step RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED,
    // as a container that runs and exits would (moto reports exit code 0; see the README's emulator list).
    await emulator.control('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition: { progression: 'manual', times: 1 } });
    const client = { region: 'eu-west-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    ecs = new ECSClient(client);
    ecs.middlewareStack.add((next, context) => (args) => {
      sent.push(context.commandName as string);
      return next(args);
    }, { step: 'initialize', name: 'recordCommands' });
    const ec2 = new EC2Client(client);
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    // Task ENIs get a private DNS name only in VPCs with DNS host names (as infra's network has); moto needs it.
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc.Vpc!.VpcId!, EnableDnsHostnames: { Value: true } }));
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.9.1.0/24' }));
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'tasks', Description: 'tasks', VpcId: vpc.Vpc!.VpcId! }));
    ec2.destroy();
    network = { subnetIds: [subnet.Subnet!.SubnetId!], securityGroupIds: [sg.GroupId!], assignPublicIp: true };

    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const register = async (family: string, container: string, command: string[]) => (await ecs.send(new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      // moto's RunTask needs a container-level memory limit.
      containerDefinitions: [{ name: container, image: 'blog-data:prefect', essential: true, command, memory: 512 }],
    }))).taskDefinition!.taskDefinitionArn!;
    oldServer = await register('server', 'prefect-server', ['prefect', 'server', 'start']);
    newServer = await register('server', 'prefect-server', ['prefect', 'server', 'start']);
    migration = await register('migrate', 'prefect-migrate', ['prefect', 'server', 'database', 'upgrade', '-y']);
    oldServices = await register('services', 'prefect-services', ['prefect', 'server', 'services', 'start']);
    newServices = await register('services', 'prefect-services', ['prefect', 'server', 'services', 'start']);
    for (const [serviceName, taskDefinition] of [['prefect-server', oldServer], ['prefect-services', oldServices]]) {
      await ecs.send(new CreateServiceCommand({
        cluster,
        serviceName,
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: network.subnetIds as string[], securityGroups: network.securityGroupIds as string[] },
        },
      }));
    }
  });

  afterAll(async () => {
    ecs?.destroy();
    await emulator?.stop();
  });

  beforeEach(() => {
    sent.length = 0;
  });

  const serverTaskDefinition = async (service = 'prefect-server') =>
    (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0];

  it('runs the migration task to its end, then rolls the server to the new task definition', async () => {
    const lines: string[] = [];
    const result = await rollOutAfterMigration(ecs, {
      migration: { cluster, taskDefinition: migration, containerName: 'prefect-migrate', network, startedBy: 'deploy-test' },
      services: [{ cluster, service: 'prefect-server', taskDefinition: newServer }],
    }, { task: { ...fast, onProgress: (l) => lines.push(l) }, service: fast });

    expect(result.migration).toMatchObject({ ok: true, exitCode: 0 });
    expect(result.services).toEqual([expect.objectContaining({ service: 'prefect-server' })]);
    expect((await serverTaskDefinition()).taskDefinition).toBe(newServer);
    // The order is the point: the service is touched only after the task was seen STOPPED.
    const firstUpdate = sent.indexOf('UpdateServiceCommand');
    // (then each service's current task definition is read, for a failure's message)
    expect(sent.slice(0, firstUpdate)).toEqual(['RunTaskCommand', 'DescribeTasksCommand', 'DescribeTasksCommand', 'DescribeTasksCommand', 'DescribeTasksCommand', 'DescribeServicesCommand']);
    const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [result.migration.taskArn] }))).tasks![0];
    expect(task).toMatchObject({ lastStatus: 'STOPPED', startedBy: 'deploy-test', taskDefinitionArn: migration });
    expect(lines[0]).toMatch(/^started /);
  });

  it('leaves the server alone when the migration task cannot start', async () => {
    const before = (await serverTaskDefinition()).taskDefinition;
    await expect(rollOutAfterMigration(ecs, {
      migration: { cluster, taskDefinition: 'migrate:999', containerName: 'prefect-migrate', network },
      services: [{ cluster, service: 'prefect-server', taskDefinition: oldServer }],
    }, { task: fast, service: fast })).rejects.toThrow();
    expect(sent).not.toContain('UpdateServiceCommand');
    expect((await serverTaskDefinition()).taskDefinition).toBe(before);
  });

  it('stops a task that outlives its deadline and says so', async () => {
    // A task that keeps running: it would move a step per DescribeTasks only after 1000 of them. (Unsetting
    // the transition is no such task: moto's default for ECS tasks is also one step per DescribeTasks, and on
    // a fast machine the four steps to STOPPED fitted inside the 50 ms deadline.)
    await emulator.control('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition: { progression: 'manual', times: 1000 } });
    try {
      const error = await runTaskToCompletion(ecs, { cluster, taskDefinition: migration, containerName: 'prefect-migrate', network }, { pollMs: 10, timeoutMs: 50 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).kind).toBe('rollout');
      expect((error as Error).message).toMatch(/did not stop within 0 s; it was stopped/);
      const stopped = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'STOPPED' }));
      const arn = (error as UserError).where!.match(/^task (\S+) in /)![1];
      expect(stopped.taskArns).toContain(arn);
    } finally {
      await emulator.control('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition: { progression: 'manual', times: 1 } });
    }
  });

  it('rolls back: server to 0, downgrade with the newer image, then the old task definition', async () => {
    const result = await rollBackWithDowngrade(ecs, {
      cluster,
      services: [{ service: 'prefect-server', taskDefinition: oldServer, desiredCount: 1 }],
      downgrade: {
        cluster,
        taskDefinition: migration,
        containerName: 'prefect-migrate',
        network,
        command: ['prefect', 'server', 'database', 'downgrade', '-y', '-r', '7a73514ca2d6'],
      },
    }, { task: fast, service: fast });

    expect(sent.filter((c) => c === 'UpdateServiceCommand' || c === 'RunTaskCommand')).toEqual(['UpdateServiceCommand', 'RunTaskCommand', 'UpdateServiceCommand']);
    expect(result.downgrade?.ok).toBe(true);
    const svc = await serverTaskDefinition();
    expect(svc).toMatchObject({ taskDefinition: oldServer, desiredCount: 1 });
    const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [result.downgrade!.taskArn] }))).tasks![0];
    expect(task.overrides?.containerOverrides?.[0]).toMatchObject({ name: 'prefect-migrate', command: ['prefect', 'server', 'database', 'downgrade', '-y', '-r', '7a73514ca2d6'] });
  });
  describe('scale-out: API servers and background services (issue #19)', () => {
    const downgrade = (): OneOffTask => ({
      cluster, taskDefinition: migration, containerName: 'prefect-migrate', network, command: ['prefect', 'server', 'database', 'downgrade', '-y', '-r', '7a73514ca2d6'],
    });

    it('a rollout that fails at the background services names where every service of the release stood', async () => {
      await rollBackWithDowngrade(ecs, { cluster, services: [{ service: 'prefect-server', taskDefinition: oldServer, desiredCount: 1 }] }, { service: fast });
      const error = await rollOutAfterMigration(ecs, {
        migration: { cluster, taskDefinition: migration, containerName: 'prefect-migrate', network },
        services: [{ cluster, service: 'prefect-server', taskDefinition: newServer }, { cluster, service: 'prefect-services', taskDefinition: 'services:999' }],
      }, { task: fast, service: fast }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).kind).toBe('rollout');
      expect((error as UserError).what).toMatch(/; the schema is migrated and prefect-server already run the new release$/);
      expect((error as UserError).fix).toBe('fix and deploy again, or roll every service of the release back together (with the schema downgrade): '
        + `prefect-server → ${oldServer}, prefect-services → ${oldServices}`);
      // The half-done state the rollback below must undo: the API servers on the new code.
      expect((await serverTaskDefinition()).taskDefinition).toBe(newServer);
    });

    it('rolls both back: both stopped before the downgrade, both on their previous task definitions after it', async () => {
      await rollOutAfterMigration(ecs, {
        migration: { cluster, taskDefinition: migration, containerName: 'prefect-migrate', network },
        services: [{ cluster, service: 'prefect-server', taskDefinition: newServer }, { cluster, service: 'prefect-services', taskDefinition: newServices }],
      }, { task: fast, service: fast });
      expect((await serverTaskDefinition('prefect-services')).taskDefinition).toBe(newServices);
      sent.length = 0;

      const result = await rollBackWithDowngrade(ecs, {
        cluster,
        services: [
          { service: 'prefect-server', taskDefinition: oldServer, desiredCount: 2 },
          { service: 'prefect-services', taskDefinition: oldServices, desiredCount: 1 },
        ],
        downgrade: downgrade(),
      }, { task: fast, service: fast });

      // Neither runs while the schema changes under it: two stops, the downgrade, two starts.
      expect(sent.filter((c) => c === 'UpdateServiceCommand' || c === 'RunTaskCommand'))
        .toEqual(['UpdateServiceCommand', 'UpdateServiceCommand', 'RunTaskCommand', 'UpdateServiceCommand', 'UpdateServiceCommand']);
      expect(result.services.map((r) => [r.service, r.taskDefinition])).toEqual([['prefect-server', oldServer], ['prefect-services', oldServices]]);
      expect(await serverTaskDefinition()).toMatchObject({ taskDefinition: oldServer, desiredCount: 2 });
      expect(await serverTaskDefinition('prefect-services')).toMatchObject({ taskDefinition: oldServices, desiredCount: 1 });
    });
  });
});
