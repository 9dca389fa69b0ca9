import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { Construct } from 'constructs';
import { EXEC_COMMAND_ACTIONS } from './iam';
import { arnFor, ArnScope, partitionOf, policyDocument } from '../policy';

/** Properties of {@link PermissionsBoundary}. */
export interface PermissionsBoundaryProps extends ArnScope {
  /** Prefix of the environment's names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** Environment name, for the log-group prefix `/ecs/<env>/`. Required. */
  readonly env: string;
  /** ECS cluster name. Required. */
  readonly clusterName: string;
  /** ECR repository name the tasks pull from. Required. */
  readonly repositoryName: string;
  /** Buckets platform roles may use: flow storage and the data buckets. Required. */
  readonly bucketNames: readonly string[];
  /** Name of the pipeline role flow runs assume. Required. */
  readonly pipelineRoleName: string;
  /** The tag every resource of the environment carries, e.g. `environment` = `dev`; keys are used only when they carry it. Required. */
  readonly environmentTag: { readonly key: string; readonly value: string };
}

/** Name of the boundary policy of an environment; the platform stack attaches it to every role it creates. */
export function permissionsBoundaryName(namePrefix: string): string {
  return `${namePrefix}-platform-boundary`;
}

/**
 * The most any platform role may ever do. The deploy role may create and
 * change roles only with this boundary attached, so a pipeline that can write
 * role policies still cannot mint a role more powerful than the platform needs.
 */
export class PermissionsBoundary extends Construct {
  /** The managed policy used as permissions boundary. */
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    if (props.bucketNames.length === 0) {
      throw new Error('PermissionsBoundary.bucketNames: at least the flow-storage bucket is required');
    }
    const partition = partitionOf(props.region);
    const a = (service: string, resource: string) => arnFor(props, service, resource);
    this.policy = new IamPolicy(this, 'policy', {
      name: permissionsBoundaryName(props.namePrefix),
      description: 'Permissions boundary of every Prefect platform role',
      policy: policyDocument([
        {
          Sid: 'Buckets',
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: props.bucketNames.flatMap((b) => [`arn:${partition}:s3:::${b}`, `arn:${partition}:s3:::${b}/*`]),
        },
        {
          Sid: 'PullImages',
          Effect: 'Allow',
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          Resource: a('ecr', `repository/${props.repositoryName}`),
        },
        {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:GetLogEvents'],
          Resource: a('logs', `log-group:/ecs/${props.env}/*:*`),
        },
        {
          Sid: 'SecretsByName',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: a('secretsmanager', `secret:${props.namePrefix}/*`),
        },
        {
          // The database master secret RDS created for the environment's cluster (RDS tags it with the cluster ARN).
          Sid: 'DatabaseSecretByTag',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: a('secretsmanager', 'secret:rds!*'),
          Condition: { StringLike: { 'aws:ResourceTag/aws:rds:primaryDBClusterArn': a('rds', `cluster:${props.namePrefix}-*`) } },
        },
        {
          Sid: 'KeysOfTheEnvironment',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: a('kms', 'key/*'),
          Condition: { StringEquals: { [`aws:ResourceTag/${props.environmentTag.key}`]: props.environmentTag.value } },
        },
        {
          Sid: 'FlowRunTasks',
          Effect: 'Allow',
          Action: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks', 'ecs:TagResource', 'ecs:DescribeClusters'],
          Resource: [a('ecs', 'task-definition/*'), a('ecs', `task/${props.clusterName}/*`), a('ecs', `cluster/${props.clusterName}`)],
        },
        {
          // The rotation restart (DatabaseRotationRestart): EventBridge starts the state machine,
          // which forces a new deployment of the cluster's services.
          Sid: 'RestartServicesAfterRotation',
          Effect: 'Allow',
          Action: ['states:StartExecution', 'ecs:UpdateService', 'ecs:DescribeServices'],
          Resource: [a('states', `stateMachine:${props.namePrefix}-*`), a('ecs', `service/${props.clusterName}/*`)],
        },
        {
          Sid: 'NoResourceScope',
          Effect: 'Allow',
          Action: [
            'ecr:GetAuthorizationToken',
            'ecs:RegisterTaskDefinition',
            'ecs:DeregisterTaskDefinition',
            'ecs:DescribeTaskDefinition',
            'ecs:ListTaskDefinitions',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
          ],
          Resource: '*',
        },
        // ECS Exec into the server (a private endpoint's port forward): the SSM agent's channels.
        { Sid: 'ExecCommandChannel', Effect: 'Allow', Action: [...EXEC_COMMAND_ACTIONS], Resource: '*' },
        {
          Sid: 'PassPlatformRolesToEcsTasks',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: `arn:${partition}:iam::${props.accountId}:role/${props.namePrefix}-*`,
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
        {
          Sid: 'AssumePipelineRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: `arn:${partition}:iam::${props.accountId}:role/${props.pipelineRoleName}`,
        },
      ]),
    });
  }
}
