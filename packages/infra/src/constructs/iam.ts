import { Construct } from 'constructs';
import { Role } from './role';
import { arnFor, ArnScope, partitionOf, policyDocument, serviceTrustPolicy } from '../policy';

/** Properties of {@link PlatformRoles}. */
export interface PlatformRolesProps extends ArnScope {
  /** Prefix of role names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ECS cluster name; the worker may run and stop tasks only there. Required. */
  readonly clusterName: string;
  /** ARN of the ECR repository tasks pull from. Required. */
  readonly repositoryArn: string;
  /** Log groups the execution role writes (server, worker, deployer, flow runs). Required. */
  readonly logGroupNames: readonly string[];
  /** Log group of the flow runs, which the worker reads back. Required. */
  readonly flowRunLogGroupName: string;
  /** Secrets the execution role may read for the containers: the API auth string and the database secret. Required. */
  readonly secretArns: readonly string[];
  /** Platform KMS key: decrypts the secrets, encrypts flow storage. Required. */
  readonly kmsKeyArn: string;
  /** Flow code and results bucket name. Required. */
  readonly flowStorageBucket: string;
  /** `config.iam`: pipeline role name, max session, extra principals. Required. */
  readonly pipeline: {
    readonly roleName: string;
    readonly maxSessionSeconds: number;
    readonly adminPrincipalArns: readonly string[];
  };
  /** Data buckets the pipeline role reads and writes (`config.buckets` without flow storage). Required. */
  readonly dataBuckets: readonly string[];
  /** ARN of the permissions boundary (bootstrap stack) every role gets. Default none. */
  readonly permissionsBoundary?: string;
  /** The server task accepts ECS Exec sessions (SSM port forwarding, a private endpoint): its role gets the ssmmessages channel. Default false. */
  readonly serverExecCommand?: boolean;
}

/**
 * What the SSM agent ECS Exec puts in a task calls, with the task role: the session's control and
 * data channels (AWS, "Using ECS Exec", IAM permissions required). The actions have no resource scope.
 */
export const EXEC_COMMAND_ACTIONS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const;

/**
 * Who may do what. The ECS execution role pulls the image, reads only the
 * platform's secrets and writes only its log groups. The worker's task role has
 * exactly what the prefect-aws ECS worker calls. Flow runs get their own role
 * and reach the data buckets by assuming `blog-data-pipeline-role` (1 h sessions).
 */
export class PlatformRoles extends Construct {
  /** ECS task execution role (image pull, secrets, logs) of every task. */
  readonly execution: Role;
  /** Task role of the Prefect server (no AWS calls). */
  readonly server: Role;
  /** Task role of the Prefect worker. */
  readonly worker: Role;
  /** Task role of flow runs. */
  readonly flowRun: Role;
  /** Task role of the one-off deployer task. */
  readonly deployer: Role;
  /** `blog-data-pipeline-role`: the data buckets, assumed by flow runs and admins. */
  readonly pipeline: Role;

  constructor(scope: Construct, id: string, props: PlatformRolesProps) {
    super(scope, id);
    const seconds = props.pipeline.maxSessionSeconds;
    if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
      throw new Error(`PlatformRoles.pipeline.maxSessionSeconds: ${seconds} must be 3600–43200`);
    }
    if (props.logGroupNames.length === 0) {
      throw new Error('PlatformRoles.logGroupNames: at least one log group is required');
    }
    const p = props.namePrefix;
    const partition = partitionOf(props.region);
    const ecsTrust = serviceTrustPolicy('ecs-tasks.amazonaws.com', props.accountId);
    const logGroupArn = (name: string) => arnFor(props, 'logs', `log-group:${name}:*`);
    const bucketArns = (name: string) => [`arn:${partition}:s3:::${name}`, `arn:${partition}:s3:::${name}/*`];

    this.execution = new Role(this, 'execution', {
      roleName: `${p}-ecs-execution`,
      description: 'ECS pulls the image, injects secrets and ships logs for Prefect tasks',
      assumeRolePolicy: ecsTrust,
      permissionsBoundary: props.permissionsBoundary,
      policies: {
        'pull-image': [
          { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          {
            Sid: 'PullFromOneRepository',
            Effect: 'Allow',
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Resource: props.repositoryArn,
          },
        ],
        'write-logs': [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: props.logGroupNames.map(logGroupArn),
          },
        ],
        'read-secrets': [
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [...props.secretArns] },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: props.kmsKeyArn,
            Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${props.region}.amazonaws.com` } },
          },
        ],
      },
    });

    // The server talks only to its database and clients; it needs no AWS permissions, except the
    // SSM channel of ECS Exec when people reach it through a port forward (no load balancer).
    this.server = new Role(this, 'server', {
      roleName: `${p}-prefect-server`,
      description: props.serverExecCommand ? 'Task role of the Prefect server (ECS Exec sessions only)' : 'Task role of the Prefect server (no AWS permissions)',
      assumeRolePolicy: ecsTrust,
      permissionsBoundary: props.permissionsBoundary,
      ...(props.serverExecCommand ? { policies: { 'exec-command': [{ Effect: 'Allow', Action: [...EXEC_COMMAND_ACTIONS], Resource: '*' }] } } : {}),
    });

    this.flowRun = new Role(this, 'flow-run', {
      roleName: `${p}-flow-run`,
      description: 'Task role of Prefect flow runs: flow storage, and the pipeline role for data',
      assumeRolePolicy: ecsTrust,
      permissionsBoundary: props.permissionsBoundary,
      policies: {
        'flow-storage': [
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArns(props.flowStorageBucket)[0] },
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: bucketArns(props.flowStorageBucket)[1],
          },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: props.kmsKeyArn,
            Condition: { StringEquals: { 'kms:ViaService': `s3.${props.region}.amazonaws.com` } },
          },
        ],
        'assume-pipeline-role': [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: `arn:${partition}:iam::${props.accountId}:role/${props.pipeline.roleName}`,
          },
        ],
      },
    });

    const clusterArn = arnFor(props, 'ecs', `cluster/${props.clusterName}`);
    this.worker = new Role(this, 'worker', {
      roleName: `${p}-prefect-worker`,
      description: 'Task role of the Prefect ECS worker: starts and watches flow-run tasks',
      assumeRolePolicy: ecsTrust,
      permissionsBoundary: props.permissionsBoundary,
      policies: {
        'run-flow-tasks': [
          {
            Sid: 'RunTasksOnlyInTheCluster',
            Effect: 'Allow',
            Action: 'ecs:RunTask',
            Resource: arnFor(props, 'ecs', 'task-definition/*'),
            Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
          },
          {
            Sid: 'WatchAndStopTasksInTheCluster',
            Effect: 'Allow',
            Action: ['ecs:DescribeTasks', 'ecs:StopTask', 'ecs:TagResource'],
            Resource: arnFor(props, 'ecs', `task/${props.clusterName}/*`),
          },
          {
            Sid: 'TheCluster',
            Effect: 'Allow',
            Action: 'ecs:DescribeClusters',
            Resource: clusterArn,
          },
          {
            Sid: 'TaskDefinitionsHaveNoResourceScope',
            Effect: 'Allow',
            Action: [
              'ecs:RegisterTaskDefinition',
              'ecs:DeregisterTaskDefinition',
              'ecs:DescribeTaskDefinition',
              'ecs:ListTaskDefinitions',
            ],
            Resource: '*',
          },
          {
            Sid: 'NetworkLookupsHaveNoResourceScope',
            Effect: 'Allow',
            Action: ['ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
            Resource: '*',
          },
          {
            Sid: 'PassOnlyTheFlowRunRoles',
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: [this.execution.role.arn, this.flowRun.role.arn],
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          },
          {
            Sid: 'StreamFlowRunLogs',
            Effect: 'Allow',
            Action: ['logs:GetLogEvents', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: logGroupArn(props.flowRunLogGroupName),
          },
        ],
      },
    });

    this.deployer = new Role(this, 'deployer', {
      roleName: `${p}-flows-deployer`,
      description: 'Task role of the one-off flows-deployer task: uploads flow code to flow storage',
      assumeRolePolicy: ecsTrust,
      permissionsBoundary: props.permissionsBoundary,
      policies: {
        'flow-storage': [
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArns(props.flowStorageBucket)[0] },
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: bucketArns(props.flowStorageBucket)[1] },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: props.kmsKeyArn,
            Condition: { StringEquals: { 'kms:ViaService': `s3.${props.region}.amazonaws.com` } },
          },
        ],
      },
    });

    const pipelineTrust = policyDocument([
      {
        Sid: 'FlowRuns',
        Effect: 'Allow',
        Principal: { AWS: this.flowRun.role.arn },
        Action: 'sts:AssumeRole',
      },
      ...(props.pipeline.adminPrincipalArns.length > 0
        ? [
          {
            Sid: 'Admins',
            Effect: 'Allow' as const,
            Principal: { AWS: [...props.pipeline.adminPrincipalArns] },
            Action: 'sts:AssumeRole',
          },
        ]
        : []),
    ]);
    this.pipeline = new Role(this, 'pipeline', {
      roleName: props.pipeline.roleName,
      description: 'Data pipeline access to the blog-data buckets, for flow runs and admins',
      assumeRolePolicy: pipelineTrust,
      permissionsBoundary: props.permissionsBoundary,
      maxSessionDuration: seconds,
      policies: {
        'data-buckets': [
          {
            Sid: 'ListTheBuckets',
            Effect: 'Allow',
            Action: ['s3:ListBucket', 's3:GetBucketLocation'],
            Resource: props.dataBuckets.map((b) => bucketArns(b)[0]),
          },
          {
            Sid: 'ReadWriteObjects',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: props.dataBuckets.map((b) => bucketArns(b)[1]),
          },
        ],
      },
    });
  }
}
