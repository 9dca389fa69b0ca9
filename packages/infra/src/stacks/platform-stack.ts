import {
  databaseClusterIdentifier,
  ecrRegistryHost,
  hasLoadBalancer,
  namePrefix,
  outputDescription,
  PlatformOutputs,
  platformOutputsSchema,
  PRIVATE_SERVER_NAME,
  PRIVATE_TUNNEL_URL,
  privateDnsNamespace,
  servedThroughCloudFront,
} from '@blog-data/config';
import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { Fn, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { configureStack, StackSettings } from './stack-settings';
import { Alarms } from '../constructs/alarms';
import { ApiAuthSecret } from '../constructs/api-auth';
import { ApiAutoscaling } from '../constructs/api-autoscaling';
import { CloudFrontEntry } from '../constructs/cloudfront-entry';
import { Cluster } from '../constructs/cluster';
import { Database } from '../constructs/database';
import { DeployerTask } from '../constructs/deployer-task';
import { PlatformRoles } from '../constructs/iam';
import { EncryptionKey } from '../constructs/kms-key';
import { LoadBalancer } from '../constructs/load-balancer';
import { LogGroups } from '../constructs/log-groups';
import { MigrationTask } from '../constructs/migration-task';
import { Network } from '../constructs/network';
import { permissionsBoundaryName } from '../constructs/permissions-boundary';
import { PrefectBackgroundServices } from '../constructs/prefect-background-services';
import { PrefectServer } from '../constructs/prefect-server';
import { PrefectWorker } from '../constructs/prefect-worker';
import { PrivateServerName } from '../constructs/private-server-name';
import { PrefectRedisCache } from '../constructs/redis';
import { DatabaseRotationRestart } from '../constructs/rotation-restart';
import { SecureBucket } from '../constructs/secure-bucket';
import { SecurityGroups } from '../constructs/security-groups';
import { ServiceSchedule } from '../constructs/service-schedule';
import { pinnedImages } from '../image-results';
import { arnFor, partitionOf } from '../policy';

/**
 * One environment's Prefect platform: network and security groups, Aurora,
 * the ECS cluster with the server and worker services and the deployer task,
 * the ALB (HTTPS with a domain), IAM, flow storage, logs and alarms. Its
 * outputs are the contract image-builder and flows-deployer read.
 */
export class PlatformStack extends TerraformStack {
  constructor(scope: Construct, id: string, settings: StackSettings) {
    super(scope, id);
    configureStack(this, id, settings);
    const { config } = settings;
    const emulator = settings.emulatorEndpoint !== undefined;
    const prefix = namePrefix(config);
    const { prefect: image, deployer: deployerImage } = settings.images ?? pinnedImages(config);
    // The scale-out mode adds resources; the single mode synthesizes exactly as before.
    const scaleOut = config.scale.mode === 'scale-out';
    const arnScope = { region: config.aws.region, accountId: config.aws.accountId };

    const key = new EncryptionKey(this, 'key', {
      ...arnScope,
      alias: prefix,
      description: `Prefect platform ${config.env}: database, secrets, logs, flow storage, alarms`,
      allowCloudWatchLogs: true,
      allowCloudWatchAlarms: true,
      deletionWindowInDays: emulator ? 7 : 30,
    });
    const keyArn = key.key.arn;

    const network = new Network(this, 'network', { network: config.network, namePrefix: prefix, region: config.aws.region });
    // Without a domain, HTTPS comes from CloudFront in front of an internal ALB (unless dev opted
    // out); a private endpoint has no load balancer at all.
    const behindCloudFront = servedThroughCloudFront(config);
    const withAlb = hasLoadBalancer(config);
    const groups = new SecurityGroups(this, 'security-groups', {
      vpcId: network.vpcId,
      namePrefix: prefix,
      listenerPorts: !withAlb ? [] : config.domain ? [80, 443] : [80],
      albSource: !withAlb ? 'none' : behindCloudFront ? 'cloudfront' : 'internet',
      ...(scaleOut ? { scaleOut: true } : {}),
    });
    const logs = new LogGroups(this, 'logs', {
      env: config.env,
      names: { api: config.logs.api, worker: config.logs.worker, deployer: config.logs.deployer, flowRuns: config.logs.flowRuns },
      retentionDays: config.logs.retentionDays,
      kmsKeyArn: keyArn,
    });
    const flowStorage = new SecureBucket(this, 'flow-storage', {
      bucketName: config.buckets.flowStorage,
      kmsKeyArn: keyArn,
      // The provider waits ~55 s for moto to echo a lifecycle rule back, so the emulator goes without.
      noncurrentVersionExpirationDays: emulator ? 0 : 30,
      forceDestroy: emulator,
    });
    const database = new Database(this, 'database', {
      namePrefix: prefix,
      clusterIdentifier: databaseClusterIdentifier(config),
      aurora: config.aurora,
      subnetIds: network.databaseSubnetIds,
      securityGroupId: groups.database.id,
      kmsKeyArn: keyArn,
      ...(config.scale.auroraReader ? { reader: true } : {}),
    });
    const redis = scaleOut && groups.redis
      ? new PrefectRedisCache(this, 'redis', {
        namePrefix: prefix,
        redis: config.scale.redis,
        subnetIds: network.databaseSubnetIds,
        securityGroupId: groups.redis.id,
        kmsKeyArn: keyArn,
        recoveryWindowInDays: emulator ? 0 : 7,
      })
      : undefined;
    const apiAuth = new ApiAuthSecret(this, 'api-auth', {
      secretName: `${prefix}/prefect-api-auth`,
      user: config.prefect.apiAuthUser,
      kmsKeyArn: keyArn,
      recoveryWindowInDays: emulator ? 0 : 7,
    });
    const cluster = new Cluster(this, 'cluster', {
      clusterName: config.ecs.clusterName,
      containerInsights: config.ecs.containerInsights,
    });
    const lb = groups.alb
      ? new LoadBalancer(this, 'load-balancer', {
        namePrefix: prefix,
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        securityGroupId: groups.alb.id,
        domain: config.domain,
        internal: behindCloudFront,
        deletionProtection: config.env === 'prod' && !emulator,
      })
      : undefined;
    // moto has no CloudFront VPC origins or cache policies: the emulator keeps the internal ALB
    // and its CloudFront-only security group, and serves the ALB's own name (README deviations).
    const privateName = lb
      ? undefined
      : new PrivateServerName(this, 'private-name', { namespace: privateDnsNamespace(config), serviceName: PRIVATE_SERVER_NAME, vpcId: network.vpcId });
    const entry = privateName ?? (behindCloudFront && !emulator && lb
      ? new CloudFrontEntry(this, 'cloudfront', { namePrefix: prefix, loadBalancerArn: lb.alb.arn, loadBalancerDnsName: lb.alb.dnsName })
      : lb);
    if (!entry) throw new Error('PlatformStack: an environment has either a load balancer or a private name');
    const apiUrl = `${entry.url}/api`;

    const repositoryArn = arnFor(arnScope, 'ecr', `repository/${config.image.repository}`);
    // Created by the bootstrap stack; the deploy role may only write roles that carry it.
    const permissionsBoundary = `arn:${partitionOf(config.aws.region)}:iam::${config.aws.accountId}:policy/${permissionsBoundaryName(prefix)}`;
    const roles = new PlatformRoles(this, 'iam', {
      ...arnScope,
      permissionsBoundary,
      namePrefix: prefix,
      clusterName: config.ecs.clusterName,
      repositoryArn,
      logGroupNames: [config.logs.api, config.logs.worker, config.logs.deployer, config.logs.flowRuns],
      flowRunLogGroupName: config.logs.flowRuns,
      secretArns: [apiAuth.secret.arn, database.masterSecretArn, ...(redis?.secretArns ?? [])],
      kmsKeyArn: keyArn,
      flowStorageBucket: config.buckets.flowStorage,
      ...(privateName ? { serverExecCommand: true } : {}),
      pipeline: {
        roleName: config.iam.pipelineRoleName,
        maxSessionSeconds: config.iam.pipelineRoleMaxSessionSeconds,
        adminPrincipalArns: config.iam.adminPrincipalArns,
      },
      dataBuckets: [
        config.buckets.cache,
        config.buckets.kitInstructions,
        config.buckets.designFiles,
        config.buckets.raw,
        config.buckets.clean,
        config.buckets.website,
      ],
    });

    const databaseConnection = {
      host: database.endpoint,
      port: database.port,
      name: database.databaseName,
      secretArn: database.masterSecretArn,
    };
    // The server and its migration task: same image, size, roles, logs and database.
    const serverTask = {
      namePrefix: prefix,
      image,
      cpu: config.server.cpu,
      memory: config.server.memory,
      executionRoleArn: roles.execution.role.arn,
      taskRoleArn: roles.server.role.arn,
      logGroup: logs.groups.api.name,
      region: config.aws.region,
      database: databaseConnection,
    };
    // Run by the release step before the server service moves to a new task definition.
    const migration = new MigrationTask(this, 'migration', serverTask);
    const server = new PrefectServer(this, 'prefect-server', {
      ...serverTask,
      clusterArn: cluster.cluster.arn,
      apiAuthSecretArn: apiAuth.secret.arn,
      // Without a load balancer the browser reaches the UI through the port forward, and the UI
      // calls the API at the address it is given: the tunnel's local end, not the VPC-only name.
      publicUrl: privateName ? PRIVATE_TUNNEL_URL : entry.url,
      network: { subnetIds: network.taskSubnetIds, securityGroupId: groups.server.id, assignPublicIp: network.assignPublicIp },
      entry: lb
        ? { kind: 'load-balancer', targetGroupArn: lb.targetGroup.arn, listener: lb.forwardingListener }
        : { kind: 'private-name', registryArn: (privateName as PrivateServerName).service.arn },
      scheduled: config.schedule !== null,
      ...(redis ? { scaleOut: { redis: redis.connection, minReplicas: config.scale.api.minReplicas } } : {}),
    });
    const services = redis && groups.services
      ? new PrefectBackgroundServices(this, 'prefect-services', {
        ...serverTask,
        clusterArn: cluster.cluster.arn,
        redis: redis.connection,
        replicas: config.scale.services.replicas,
        network: { subnetIds: network.taskSubnetIds, securityGroupId: groups.services.id, assignPublicIp: network.assignPublicIp },
        scheduled: config.schedule !== null,
      })
      : undefined;
    new DatabaseRotationRestart(this, 'db-rotation-restart', {
      ...arnScope,
      namePrefix: prefix,
      secretArn: database.masterSecretArn,
      clusterName: config.ecs.clusterName,
      serviceNames: [server.serviceName, ...(services ? [services.serviceName] : [])],
      permissionsBoundary,
      emulatorParameterNames: emulator,
    });
    const worker = new PrefectWorker(this, 'prefect-worker', {
      namePrefix: prefix,
      clusterArn: cluster.cluster.arn,
      image,
      cpu: config.worker.cpu,
      memory: config.worker.memory,
      executionRoleArn: roles.execution.role.arn,
      taskRoleArn: roles.worker.role.arn,
      logGroup: logs.groups.worker.name,
      region: config.aws.region,
      workPool: config.prefect.workPool,
      apiUrl,
      apiAuthSecretArn: apiAuth.secret.arn,
      network: { subnetIds: network.taskSubnetIds, securityGroupId: groups.worker.id, assignPublicIp: network.assignPublicIp },
      scheduled: config.schedule !== null,
    });
    const schedule = config.schedule
      ? new ServiceSchedule(this, 'service-schedule', {
        namePrefix: prefix,
        clusterName: cluster.cluster.name,
        services: { server: server.service.name, worker: worker.service.name, ...(services ? { services: services.service.name } : {}) },
        schedule: config.schedule,
        ...(services
          ? {
            capacities: {
              server: { min: config.scale.api.minReplicas, max: config.scale.api.maxReplicas },
              services: { min: config.scale.services.replicas, max: config.scale.services.replicas },
            },
          }
          : {}),
      })
      : undefined;
    if (scaleOut) {
      new ApiAutoscaling(this, 'api-autoscaling', {
        namePrefix: prefix,
        clusterName: cluster.cluster.name,
        serviceName: server.service.name,
        api: config.scale.api,
        ...(lb ? { albResourceLabel: `${lb.alb.arnSuffix}/${lb.targetGroup.arnSuffix}` } : {}),
        target: schedule?.targets.server,
      });
    }
    const alarms = new Alarms(this, 'alarms', {
      namePrefix: prefix,
      clusterName: cluster.cluster.name,
      serverServiceName: server.service.name,
      ...(lb ? { loadBalancer: { arnSuffix: lb.alb.arnSuffix, targetGroupArnSuffix: lb.targetGroup.arnSuffix } } : {}),
      databaseClusterIdentifier: database.cluster.clusterIdentifier,
      databaseMaxAcu: config.aurora.maxAcu,
      kmsKeyArn: keyArn,
      email: config.alarms.email,
      // The URL usually carries a token: it lives in a secret a person created, never in git.
      webhookUrl: config.alarms.webhookSecretName
        ? new DataAwsSecretsmanagerSecretVersion(this, 'alarm-webhook', { secretId: config.alarms.webhookSecretName }).secretString
        : undefined,
      worker: {
        serviceName: worker.service.name,
        logGroupName: logs.groups.worker.name,
        containerInsights: config.ecs.containerInsights,
      },
      ...(services && redis
        ? {
          services: [{ key: 'services', serviceName: services.service.name, description: 'Prefect background services run fewer tasks than desired: no schedules, late runs, automations or event persistence' }],
          redis: { dimensions: redis.metricDimensions, serverless: redis.serverless, maxStorageGb: config.scale.redis.maxStorageGb },
        }
        : {}),
    });

    // The contract with image-builder, flows-deployer and ops (config's platformOutputsSchema):
    // every output but the deployer's own task definition, which the deployer task reads.
    // A complete record: an output missing here fails to compile. No secret values.
    const forDeployer: OutputValues<Exclude<keyof PlatformOutputs, 'deployer_task_definition_arn' | OptionalOutput>> = {
      endpoint: config.endpoint,
      // Fn.join, not template strings: these also go through jsonencode() for the deployer task,
      // and cdktf cannot hand a `${…}` inside a string to a built-in function reliably.
      prefect_url: joinUrl(...entry.urlParts),
      prefect_api_url: joinUrl(...entry.urlParts, '/api'),
      ecs_cluster_arn: cluster.cluster.arn,
      ecs_cluster_name: cluster.cluster.name,
      vpc_id: network.vpcId,
      task_subnet_ids: Fn.tolist(network.taskSubnetIds),
      assign_public_ip: network.assignPublicIp,
      server_security_group_id: groups.server.id,
      worker_security_group_id: groups.worker.id,
      flow_run_security_group_id: groups.flowRun.id,
      execution_role_arn: roles.execution.role.arn,
      worker_task_role_arn: roles.worker.role.arn,
      flow_run_task_role_arn: roles.flowRun.role.arn,
      deployer_task_role_arn: roles.deployer.role.arn,
      ecr_repository_url: `${ecrRegistryHost(config)}/${config.image.repository}`,
      ecr_repository_name: config.image.repository,
      api_auth_secret_arn: apiAuth.secret.arn,
      database_secret_arn: database.masterSecretArn,
      log_group_api: logs.groups.api.name,
      log_group_worker: logs.groups.worker.name,
      log_group_deployer: logs.groups.deployer.name,
      log_group_flow_runs: logs.groups.flowRuns.name,
      flow_storage_bucket: flowStorage.bucket.bucket,
      alarm_topic_arn: alarms.topic.arn,
      server_service_name: server.service.name,
      server_task_definition_arn: server.task.definition.arn,
      migration_task_definition_arn: migration.task.definition.arn,
      migration_container_name: migration.containerName,
      prefect_image: image,
      deployer_image: deployerImage,
    };
    const deployer = new DeployerTask(this, 'deployer', {
      namePrefix: prefix,
      image: deployerImage,
      cpu: config.deployer.cpu,
      memory: config.deployer.memory,
      heapMiB: config.deployerHeapMiB,
      executionRoleArn: roles.execution.role.arn,
      taskRoleArn: roles.deployer.role.arn,
      logGroup: logs.groups.deployer.name,
      region: config.aws.region,
      apiUrl,
      apiAuthSecretArn: apiAuth.secret.arn,
      env: config.env,
      // The one-off task reads the same outputs CI passes as a file (everything but its own ARN).
      infraOutputs: { ...forDeployer, ...(lb ? { alb_dns_name: lb.alb.dnsName } : {}) },
    });
    const outputs: OutputValues<keyof PlatformOutputs> = {
      ...forDeployer,
      deployer_task_definition_arn: deployer.task.definition.arn,
      // With a load balancer only (a private endpoint has none).
      alb_dns_name: lb?.alb.dnsName,
      // Scale-out only (undefined = no output): the release rolls the services after the migration.
      services_service_name: services?.service.name,
      services_task_definition_arn: services?.task.definition.arn,
    };

    for (const [name, value] of Object.entries(outputs)) {
      if (value === undefined) continue;
      new TerraformOutput(this, name, { value, description: outputDescription(platformOutputsSchema, name) });
    }
  }
}

/** The outputs that exist in one mode only: scale-out's services, the load balancer's name. */
type OptionalOutput = 'services_service_name' | 'services_task_definition_arn' | 'alb_dns_name';

/** Terraform values (tokens at synth time) for each named output. */
type OutputValues<K extends string> = Record<K, unknown>;

/** Concatenates URL parts, through terraform's join() only when a part is known at apply time. */
function joinUrl(...parts: string[]): string {
  return parts.some((part) => Token.isUnresolved(part)) ? Fn.join('', parts) : parts.join('');
}
