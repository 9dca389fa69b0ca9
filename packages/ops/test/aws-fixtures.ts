import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand,
  DeleteSecurityGroupCommand, DeleteSubnetCommand, DeleteVpcCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, ECSClient,
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteListenerCommand, DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBClusterCommand, CreateDBSubnetGroupCommand, DeleteDBClusterCommand, DeleteDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { InfraOutputs } from '../src';

/** The emulator's clients for the region the test services use. */
export function emulatorClients(region: string) {
  const o = { region };
  return {
    ec2: new EC2Client(o),
    ecr: new ECRClient(o),
    ecs: new ECSClient(o),
    elbv2: new ElasticLoadBalancingV2Client(o),
    rds: new RDSClient(o),
    secrets: new SecretsManagerClient(o),
    /** Deletions of what the fixtures created, run newest first by {@link removeCreated}. */
    cleanups: [] as (() => Promise<unknown>)[],
  };
}
export type EmulatorClients = ReturnType<typeof emulatorClients>;

/**
 * Deletes what the fixtures created (newest first) and closes the clients. Best
 * effort: the emulator is shared with other packages' tests, so nothing is reset.
 */
export async function removeCreated(c: EmulatorClients): Promise<string[]> {
  const problems: string[] = [];
  for (const cleanup of c.cleanups.reverse()) {
    await Promise.resolve().then(cleanup).catch((err: Error) => problems.push(`${err.name}: ${err.message}`));
  }
  c.cleanups.length = 0;
  for (const client of [c.ec2, c.ecr, c.ecs, c.elbv2, c.rds, c.secrets]) client.destroy();
  return problems;
}

/** The outputs doctor reads, plus the network the fixtures made (written to the outputs file as infra would). */
export type PlatformFixture = InfraOutputs & { readonly vpc_id?: string; readonly task_subnet_ids: string[]; readonly assign_public_ip: boolean };

/** Network, security groups, ALB with one healthy ip target, Aurora (named as config derives it), secrets: what doctor reads besides ECS. */
export async function createPlatform(c: EmulatorClients, name: string, authString: string, clusterIdentifier: string): Promise<PlatformFixture> {
  const vpc = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc!;
  c.cleanups.push(() => c.ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId })));
  const subnets = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const subnet = (await c.ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: `10.77.${i}.0/24`, AvailabilityZone: `${process.env.AWS_REGION ?? 'eu-west-2'}${az}` }))).Subnet!;
    c.cleanups.push(() => c.ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId })));
    subnets.push(subnet);
  }
  const sg = async (role: string) => {
    const id = (await c.ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-${role}`, Description: role, VpcId: vpc.VpcId }))).GroupId!;
    c.cleanups.push(() => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })));
    return id;
  };
  const [server, worker, flowRun, database, alb] = [await sg('server'), await sg('worker'), await sg('flow-run'), await sg('database'), await sg('alb')];
  await c.ec2.send(new AuthorizeSecurityGroupIngressCommand({
    GroupId: database,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: server, Description: 'PostgreSQL from the Prefect server' }] }],
  }));

  const lb = (await c.elbv2.send(new CreateLoadBalancerCommand({
    Name: name.slice(0, 32), Subnets: subnets.map((s) => s.SubnetId!), SecurityGroups: [alb], Type: 'application', Scheme: 'internet-facing',
  }))).LoadBalancers![0];
  c.cleanups.push(() => c.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn })));
  const tg = (await c.elbv2.send(new CreateTargetGroupCommand({
    Name: `${name.slice(0, 29)}-tg`, Protocol: 'HTTP', Port: 4200, VpcId: vpc.VpcId, TargetType: 'ip', HealthCheckPath: '/api/health',
  }))).TargetGroups![0];
  c.cleanups.push(() => c.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })));
  const listener = (await c.elbv2.send(new CreateListenerCommand({
    LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
  }))).Listeners![0];
  c.cleanups.push(() => c.elbv2.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn })));
  await c.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '10.77.0.10', Port: 4200 }] }));

  await c.rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: name, DBSubnetGroupDescription: 'test', SubnetIds: subnets.map((s) => s.SubnetId!) }));
  c.cleanups.push(() => c.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name })));
  const cluster = (await c.rds.send(new CreateDBClusterCommand({
    DBClusterIdentifier: clusterIdentifier,
    Engine: 'aurora-postgresql',
    EngineVersion: '15.13',
    DatabaseName: 'prefect',
    MasterUsername: 'prefect',
    MasterUserPassword: 'not-a-real-password-1',
    DBSubnetGroupName: name,
    VpcSecurityGroupIds: [database],
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 1 },
  }))).DBCluster!;
  c.cleanups.push(() => c.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: cluster.DBClusterIdentifier, SkipFinalSnapshot: true })));

  const apiSecret = (await c.secrets.send(new CreateSecretCommand({ Name: `${name}/prefect-api-auth`, SecretString: authString }))).ARN!;
  const dbSecret = (await c.secrets.send(new CreateSecretCommand({ Name: `${name}/database`, SecretString: '{"username":"prefect","password":"x"}' }))).ARN!;
  for (const arn of [apiSecret, dbSecret]) {
    c.cleanups.push(() => c.secrets.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true })));
  }

  return {
    vpc_id: vpc.VpcId,
    alb_dns_name: lb.DNSName,
    server_security_group_id: server,
    worker_security_group_id: worker,
    flow_run_security_group_id: flowRun,
    api_auth_secret_arn: apiSecret,
    database_secret_arn: dbSecret,
    task_subnet_ids: subnets.map((s) => s.SubnetId!),
    assign_public_ip: true,
  };
}

/**
 * An ECS cluster with the server and worker services. moto starts services at
 * running 0; UpdateService(desiredCount) sets running = desired, which is how a
 * healthy service is made. `stoppedWorker` leaves the worker at 0 of 1 with a
 * stopped task and its reason.
 */
export async function createServices(
  c: EmulatorClients, name: string, opts: { stoppedWorker?: { reason: string }; scaleOut?: boolean } = {},
): Promise<{ clusterArn: string }> {
  const clusterArn = (await c.ecs.send(new CreateClusterCommand({ clusterName: name }))).cluster!.clusterArn!;
  c.cleanups.push(() => c.ecs.send(new DeleteClusterCommand({ cluster: name })));
  const family = `${name}-task`;
  const registered = await c.ecs.send(new RegisterTaskDefinitionCommand({
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'prefect', image: 'busybox', essential: true, memory: 512 }],
  }));
  c.cleanups.push(() => c.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: registered.taskDefinition!.taskDefinitionArn })));
  // Scale-out adds the background-services service.
  for (const service of ['prefect-server', 'prefect-worker', ...(opts.scaleOut ? ['prefect-services'] : [])]) {
    await c.ecs.send(new CreateServiceCommand({ cluster: name, serviceName: service, taskDefinition: family, desiredCount: 1, launchType: 'FARGATE' }));
    c.cleanups.push(() => c.ecs.send(new DeleteServiceCommand({ cluster: name, service, force: true })));
    if (!(opts.stoppedWorker && service === 'prefect-worker')) {
      await c.ecs.send(new UpdateServiceCommand({ cluster: name, service, desiredCount: 1 }));
    }
  }
  if (opts.stoppedWorker) {
    // moto 5.2.1 crashes running an awsvpc task (NetworkInterface.private_dns_name), so the task
    // that gets stopped uses a bridge-mode definition; doctor reads only its group and reasons.
    const bridge = await c.ecs.send(new RegisterTaskDefinitionCommand({
      family: `${family}-bridge`, containerDefinitions: [{ name: 'prefect', image: 'busybox', essential: true, memory: 512 }],
    }));
    c.cleanups.push(() => c.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: bridge.taskDefinition!.taskDefinitionArn })));
    const task = (await c.ecs.send(new RunTaskCommand({
      cluster: name, taskDefinition: `${family}-bridge`, launchType: 'FARGATE', group: 'service:prefect-worker', count: 1,
    }))).tasks![0];
    await c.ecs.send(new StopTaskCommand({ cluster: name, task: task.taskArn, reason: opts.stoppedWorker.reason }));
  }
  return { clusterArn };
}

/** An ECR repository with images under tags: moto stores the manifest metadata (not layers). */
export async function createRepository(
  c: EmulatorClients, name: string, images: { tag: string; manifest: string; mediaType: string }[],
): Promise<void> {
  await c.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  c.cleanups.push(() => c.ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true })));
  for (const i of images) {
    await c.ecr.send(new PutImageCommand({ repositoryName: name, imageTag: i.tag, imageManifest: i.manifest, imageManifestMediaType: i.mediaType }));
  }
}
