import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { Construct } from 'constructs';
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
          Sid: 'Secrets',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: [a('secretsmanager', `secret:${props.namePrefix}/*`), a('secretsmanager', 'secret:rds!*')],
        },
        { Sid: 'Keys', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: a('kms', 'key/*') },
        {
          Sid: 'FlowRunTasks',
          Effect: 'Allow',
          Action: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks', 'ecs:TagResource', 'ecs:DescribeClusters'],
          Resource: [a('ecs', 'task-definition/*'), a('ecs', `task/${props.clusterName}/*`), a('ecs', `cluster/${props.clusterName}`)],
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
        {
          Sid: 'PassPlatformRoles',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: `arn:${partition}:iam::${props.accountId}:role/${props.namePrefix}-*`,
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
