import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { Construct } from 'constructs';
import { Role } from './role';
import { arnFor, ArnScope, partitionOf, policyDocument, PolicyStatement } from '../policy';

/** Properties of {@link CiAccess}. */
export interface CiAccessProps extends ArnScope {
  /** CircleCI organization id (UUID); the OIDC issuer is `oidc.circleci.com/org/<id>`. Required. */
  readonly organizationId: string;
  /** CircleCI project id (UUID); only its jobs may assume the roles. Required. */
  readonly projectId: string;
  /** Repository URL as CircleCI puts it in the token, e.g. `github.com/acme/blog-data`. Required. */
  readonly vcsOrigin: string;
  /** Branches whose jobs may assume the deploy role (the environment's deploy branch). Required. */
  readonly deployBranches: readonly string[];
  /** Branches whose jobs may assume the ECR push role. Required. */
  readonly publishBranches: readonly string[];
  /** MaxSessionDuration of both roles, seconds (3600–43200). Required. */
  readonly maxSessionSeconds: number;
  /** Prefix of the environment's resource names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** Names of the two roles, config's `ciRoleName` (CircleCI's config assumes them by these names). Required. */
  readonly roleNames: Readonly<Record<'deploy' | 'ecr-push', string>>;
  /** ARN of the ECR repository the push role may write to. Required. */
  readonly repositoryArn: string;
  /** Terraform state bucket name and the key prefix of this environment's state. Required. */
  readonly stateBucket: string;
  /** Key prefix of this environment's state objects. Required. */
  readonly stateKeyPrefix: string;
  /** Object key of the platform stack's state (CI reads and writes it). Required. */
  readonly platformStateKey: string;
  /** Object key of the bootstrap stack's state (an admin applies it; CI may not touch it). Required. */
  readonly bootstrapStateKey: string;
  /** The tag every resource of the environment carries (`config.tags`), e.g. `environment` = `dev`. Required. */
  readonly environmentTag: { readonly key: string; readonly value: string };
  /** KMS key ARN of the state bucket. Required. */
  readonly stateKmsKeyArn: string;
  /** Name of the environment's ECS cluster. Required. */
  readonly clusterName: string;
  /** Environment name, for the log-group prefix `/ecs/<env>/`. Required. */
  readonly env: string;
  /** Names of the flow-storage bucket and the pipeline role the platform stack manages. Required. */
  readonly flowStorageBucket: string;
  /** Name of the pipeline role the platform stack manages. Required. */
  readonly pipelineRoleName: string;
  /** ARN of the boundary every role the deploy role creates must carry. Required. */
  readonly permissionsBoundaryArn: string;
  /** Route 53 hosted zone of the domain, when there is one. Default none. */
  readonly hostedZoneId?: string;
  /** `config.scale.mode` is `scale-out`: the deploy role may manage the environment's ElastiCache and the API's scaling policies. Default false. */
  readonly scaleOut?: boolean;
  /** The environment has a private endpoint (`endpoint: 'private'`): Cloud Map names instead of an ALB. Default false. */
  readonly privateEndpoint?: boolean;
}

/** The EC2 calls that create what the platform's network needs; each carries the environment's tags. */
const NETWORK_CREATES = [
  'CreateVpc',
  'CreateSubnet',
  'CreateInternetGateway',
  'CreateRouteTable',
  'CreateSecurityGroup',
  'CreateNatGateway',
  'AllocateAddress',
  'CreateVpcEndpoint',
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What a git branch name may be here: no IAM wildcards (`*`, `?`) or policy variables (`${`). */
const BRANCH = /^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9_][A-Za-z0-9._/-]*$/;
/** `github.com/<owner>/<repo>` (or another host); no wildcards. */
const VCS_ORIGIN = /^[a-z0-9.-]+\.[a-z]{2,}(\/[A-Za-z0-9_.-]+){2,}$/;
/** A CircleCI user id (UUID) in an IAM pattern: exactly 36 characters, so it cannot swallow a `/`-path. */
const USER_ID_PATTERN = '????????-????-????-????-????????????';

/**
 * CircleCI's way into the account, without long-lived keys: the org's OIDC
 * provider and two roles that only this project's jobs on named branches can
 * assume, matched on the v2 token's `sub`
 * (`org/<org>/project/<project>/user/<user>/vcs-origin/<origin>/vcs-ref/refs/heads/<branch>`,
 * the only claims besides `aud` IAM can match): an image-push role limited to
 * one ECR repository, and a deploy role that can apply the platform stack
 * (resources named after the environment only) and run the deployer task.
 * The bootstrap stack itself is applied by an admin.
 */
export class CiAccess extends Construct {
  /** The OIDC identity provider. */
  readonly provider: IamOpenidConnectProvider;
  /** Role for `image-builder publish`: push to the one repository. */
  readonly ecrPushRole: Role;
  /** Role for `nx affected -t deploy`: platform stack, ECS deploys, the deployer task. */
  readonly deployRole: Role;

  constructor(scope: Construct, id: string, props: CiAccessProps) {
    super(scope, id);
    for (const key of [props.platformStateKey, props.bootstrapStateKey]) {
      if (!key.startsWith(`${props.stateKeyPrefix}/`)) {
        throw new Error(`CiAccess.platformStateKey/bootstrapStateKey: "${key}" must lie under stateKeyPrefix "${props.stateKeyPrefix}/"`);
      }
    }
    if (!props.environmentTag.key || !props.environmentTag.value) {
      throw new Error('CiAccess.environmentTag: a tag key and value are required (the deploy role\'s EC2, KMS and secret permissions are conditioned on it)');
    }
    for (const field of ['organizationId', 'projectId'] as const) {
      if (!UUID.test(props[field])) {
        throw new Error(`CiAccess.${field}: "${props[field]}" must be a CircleCI UUID`);
      }
    }
    if (!VCS_ORIGIN.test(props.vcsOrigin)) {
      throw new Error(`CiAccess.vcsOrigin: "${props.vcsOrigin}" must be a repository URL without scheme, e.g. github.com/acme/blog-data`);
    }
    for (const field of ['deployBranches', 'publishBranches'] as const) {
      const bad = props[field].find((b) => !BRANCH.test(b));
      if (props[field].length === 0 || bad !== undefined) {
        throw new Error(`CiAccess.${field}: ${bad === undefined ? 'at least one branch' : `"${bad}"`} (branch names without * ? $ or ..)`);
      }
    }
    const issuer = `oidc.circleci.com/org/${props.organizationId}`;
    this.provider = new IamOpenidConnectProvider(this, 'oidc', {
      url: `https://${issuer}`,
      clientIdList: [props.organizationId],
    });
    const trust = (branches: readonly string[]) =>
      policyDocument([
        {
          Effect: 'Allow',
          Principal: { Federated: this.provider.arn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [`${issuer}:aud`]: props.organizationId },
            StringLike: {
              [`${issuer}:sub`]: branches.map(
                (branch) =>
                  `org/${props.organizationId}/project/${props.projectId}/user/${USER_ID_PATTERN}` +
                  `/vcs-origin/${props.vcsOrigin}/vcs-ref/refs/heads/${branch}`,
              ),
            },
            // A branch named `x/vcs-ref/refs/heads/main` ends like main's subject: a subject that
            // names vcs-ref (or vcs-origin) twice is refused whatever else it matches.
            StringNotLike: { [`${issuer}:sub`]: ['*/vcs-ref/*/vcs-ref/*', '*/vcs-origin/*/vcs-origin/*'] },
          },
        },
      ]);

    this.ecrPushRole = new Role(this, 'ecr-push', {
      roleName: props.roleNames['ecr-push'],
      description: 'CircleCI (one project, publishing branches) pushes images to ECR',
      assumeRolePolicy: trust(props.publishBranches),
      maxSessionDuration: props.maxSessionSeconds,
      policies: {
        'ecr-push': [
          { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          {
            // Exactly the registry calls of image-builder's publish: the engine's push, the look-up
            // and read-back, and moving tags. Nothing asks ECR's API about the repository: the
            // registry answers that (NAME_UNKNOWN, immutable tags refused).
            Sid: 'PushToOneRepository',
            Effect: 'Allow',
            Action: [
              'ecr:BatchCheckLayerAvailability',
              'ecr:BatchGetImage',
              'ecr:CompleteLayerUpload',
              'ecr:GetDownloadUrlForLayer',
              'ecr:InitiateLayerUpload',
              'ecr:PutImage',
              'ecr:UploadLayerPart',
            ],
            Resource: props.repositoryArn,
          },
        ],
      },
    });

    this.deployRole = new Role(this, 'deploy', {
      roleName: props.roleNames.deploy,
      description: 'CircleCI (one project, the deploy branch) applies the platform stack and runs the deployer task',
      assumeRolePolicy: trust(props.deployBranches),
      maxSessionDuration: props.maxSessionSeconds,
      policies: { 'deploy-platform': deployStatements(props) },
    });
  }
}

/**
 * What `platform-infra apply --stack platform` and the deploy jobs need. Each
 * service's actions are limited to this account and region and, where the ARN
 * carries a name, to the environment's name prefix; only describe/list calls
 * and the few creates AWS cannot scope use `Resource: "*"`.
 */
function deployStatements(props: CiAccessProps): PolicyStatement[] {
  const a = (service: string, resource: string) => arnFor(props, service, resource);
  const p = props.namePrefix;
  const partition = partitionOf(props.region);
  const platformRoles = [
    `arn:${partition}:iam::${props.accountId}:role/${p}-*`,
    `arn:${partition}:iam::${props.accountId}:role/${props.pipelineRoleName}`,
  ];
  const stateObject = (key: string) => `arn:${partition}:s3:::${props.stateBucket}/${key}`;
  const tag = props.environmentTag;
  // ABAC: what the environment created carries its tag (the provider's default_tags), so EC2 and
  // KMS calls that AWS cannot scope by name are scoped by the tag on the resource or the request.
  const taggedResource = { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } };
  const taggedRequest = { StringEquals: { [`aws:RequestTag/${tag.key}`]: tag.value } };
  // RDS tags the master-password secret it creates with the cluster's ARN.
  const rdsSecretTag = 'aws:rds:primaryDBClusterArn';
  const clusters = a('rds', `cluster:${p}-*`);
  const statements: PolicyStatement[] = [
    {
      // The platform stack's state and its native lock file, nothing else under the prefix.
      Sid: 'TerraformState',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [
        stateObject(props.platformStateKey),
        stateObject(`${props.platformStateKey}.tflock`),
        // The delivery step's record of the last applied platform stack (packages/delivery).
        stateObject(`${props.stateKeyPrefix}/deploys/*`),
      ],
    },
    {
      Sid: 'TerraformStateList',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:${partition}:s3:::${props.stateBucket}`,
      Condition: { StringLike: { 's3:prefix': [`${props.stateKeyPrefix}/*`] } },
    },
    {
      // An admin applies the bootstrap stack (the CI roles themselves) from this state: CI writing
      // it would make the admin apply CI's edits (confused deputy).
      Sid: 'NeverTheBootstrapState',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: [stateObject(props.bootstrapStateKey), stateObject(`${props.bootstrapStateKey}.*`)],
    },
    {
      Sid: 'TerraformStateKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: props.stateKmsKeyArn,
    },
    {
      Sid: 'ReadOnlyCallsWithoutResourceScope',
      Effect: 'Allow',
      Action: [
        'ec2:Describe*',
        'ecs:Describe*',
        'ecs:List*',
        'ecs:RegisterTaskDefinition',
        'ecs:DeregisterTaskDefinition',
        'elasticloadbalancing:Describe*',
        'rds:Describe*',
        'logs:DescribeLogGroups',
        'cloudwatch:DescribeAlarms',
        'kms:ListAliases',
        'secretsmanager:GetRandomPassword',
        'acm:RequestCertificate',
        'acm:ListCertificates',
        'sts:GetCallerIdentity',
      ],
      Resource: '*',
    },
    {
      // AWS-owned prefix lists (CloudFront's origin-facing servers) are read, never written.
      Sid: 'AwsManagedPrefixLists',
      Effect: 'Allow',
      Action: 'ec2:GetManagedPrefixListEntries',
      Resource: `arn:${partition}:ec2:${props.region}:aws:prefix-list/*`,
    },
    {
      Sid: 'NetworkCreatesTaggedForTheEnvironment',
      Effect: 'Allow',
      Action: NETWORK_CREATES.map((action) => `ec2:${action}`),
      Resource: a('ec2', '*'),
      Condition: taggedRequest,
    },
    {
      // Tags only as part of a create: tagging someone else's resource would hand it to ABAC.
      Sid: 'NetworkTagsOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: a('ec2', '*'),
      Condition: { StringEquals: { [`aws:RequestTag/${tag.key}`]: tag.value, 'ec2:CreateAction': [...NETWORK_CREATES] } },
    },
    { Sid: 'NetworkOfTheEnvironment', Effect: 'Allow', Action: 'ec2:*', Resource: a('ec2', '*'), Condition: taggedResource },
    {
      // Sharing a snapshot or an image, or changing an instance (user data, role, security groups),
      // are ways out of the environment that the platform never needs.
      Sid: 'NeverShareOrChangeInstances',
      Effect: 'Deny',
      Action: [
        'ec2:ModifySnapshotAttribute',
        'ec2:ModifyImageAttribute',
        'ec2:ModifyFpgaImageAttribute',
        'ec2:ModifyInstanceAttribute',
        'ec2:ModifyInstanceMetadataOptions',
        'ec2:AssociateIamInstanceProfile',
        'ec2:ReplaceIamInstanceProfileAssociation',
        'rds:ModifyDBClusterSnapshotAttribute',
        'rds:ModifyDBSnapshotAttribute',
      ],
      Resource: '*',
    },
    {
      Sid: 'Ecs',
      Effect: 'Allow',
      Action: 'ecs:*',
      Resource: [
        a('ecs', `cluster/${props.clusterName}`),
        a('ecs', `service/${props.clusterName}/*`),
        a('ecs', `task/${props.clusterName}/*`),
        a('ecs', `task-definition/${p}-*:*`),
      ],
    },
    {
      Sid: 'LoadBalancer',
      Effect: 'Allow',
      Action: 'elasticloadbalancing:*',
      Resource: [
        a('elasticloadbalancing', `loadbalancer/app/${p}*/*`),
        a('elasticloadbalancing', `targetgroup/${p}*/*`),
        a('elasticloadbalancing', `listener/app/${p}*/*`),
        a('elasticloadbalancing', `listener-rule/app/${p}*/*`),
      ],
    },
    {
      // CloudFront ids are random: distributions, VPC origins and cache policies of the account.
      Sid: 'CloudFront',
      Effect: 'Allow',
      Action: 'cloudfront:*',
      Resource: [
        arnFor(props, 'cloudfront', 'distribution/*', { global: true }),
        arnFor(props, 'cloudfront', 'vpcorigin/*', { global: true }),
        arnFor(props, 'cloudfront', 'cache-policy/*', { global: true }),
        arnFor(props, 'cloudfront', 'origin-request-policy/*', { global: true }),
      ],
    },
    {
      Sid: 'Database',
      Effect: 'Allow',
      Action: 'rds:*',
      Resource: [
        clusters,
        a('rds', `db:${p}-*`),
        a('rds', `subgrp:${p}-*`),
        a('rds', `cluster-snapshot:${p}-*`),
      ],
    },
    {
      Sid: 'SecretsByName',
      Effect: 'Allow',
      Action: 'secretsmanager:*',
      Resource: a('secretsmanager', `secret:${p}/*`),
    },
    {
      // The master-password secret RDS creates for the environment's cluster, and only that one.
      Sid: 'DatabaseSecretCreatedByRds',
      Effect: 'Allow',
      Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
      Resource: a('secretsmanager', 'secret:rds!*'),
      Condition: { StringLike: { [`aws:RequestTag/${rdsSecretTag}`]: clusters } },
    },
    {
      Sid: 'DatabaseSecretByTag',
      Effect: 'Allow',
      Action: 'secretsmanager:*',
      Resource: a('secretsmanager', 'secret:rds!*'),
      Condition: { StringLike: { [`aws:ResourceTag/${rdsSecretTag}`]: clusters } },
    },
    {
      Sid: 'KeysCreatedForTheEnvironment',
      Effect: 'Allow',
      Action: ['kms:CreateKey', 'kms:TagResource'],
      Resource: '*',
      Condition: taggedRequest,
    },
    {
      // KMS cannot tell the tags CreateKey writes from a later TagResource: never re-tag a key that
      // belongs to another environment into this one.
      Sid: 'NeverAdoptAnotherEnvironmentsKey',
      Effect: 'Deny',
      Action: ['kms:TagResource', 'kms:UntagResource'],
      Resource: a('kms', 'key/*'),
      Condition: { StringNotEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value }, Null: { [`aws:ResourceTag/${tag.key}`]: 'false' } },
    },
    {
      Sid: 'KeysOfTheEnvironment',
      Effect: 'Allow',
      Action: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:GetKeyRotationStatus',
        'kms:ListResourceTags',
        'kms:PutKeyPolicy',
        'kms:EnableKeyRotation',
        'kms:UpdateKeyDescription',
        'kms:ScheduleKeyDeletion',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:CreateAlias',
        'kms:UpdateAlias',
        'kms:DeleteAlias',
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
      ],
      Resource: a('kms', 'key/*'),
      Condition: taggedResource,
    },
    {
      // RDS, Secrets Manager and CloudWatch Logs use the key through grants of their own.
      Sid: 'KeyGrantsForAwsServices',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: a('kms', 'key/*'),
      Condition: { ...taggedResource, Bool: { 'kms:GrantIsForAWSResource': true } },
    },
    {
      Sid: 'KeyAliases',
      Effect: 'Allow',
      Action: ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'],
      Resource: a('kms', `alias/${p}*`),
    },
    {
      Sid: 'LogGroups',
      Effect: 'Allow',
      Action: 'logs:*',
      Resource: [a('logs', `log-group:/ecs/${props.env}/*`), a('logs', `log-group:/ecs/${props.env}/*:*`)],
    },
    {
      // Writing a role's permissions only with the platform boundary attached: the roles CI
      // creates can never exceed it (see PermissionsBoundary).
      Sid: 'RolesOnlyWithTheBoundary',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole',
        'iam:PutRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:PutRolePermissionsBoundary',
      ],
      Resource: platformRoles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': props.permissionsBoundaryArn } },
    },
    {
      // IAM has no condition key on a trust policy's principals, so CI never rewrites one: trust is
      // written only when a role is created (with the boundary), from settings that config limits to
      // this account's principals. See the README for the residual risk and the organization-level guard.
      Sid: 'NoTrustPolicyChanges',
      Effect: 'Deny',
      Action: 'iam:UpdateAssumeRolePolicy',
      Resource: '*',
    },
    {
      Sid: 'Roles',
      Effect: 'Allow',
      Action: [
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfilesForRole',
        'iam:DeleteRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:TagRole',
        'iam:UntagRole',
      ],
      Resource: platformRoles,
    },
    {
      // ECS task definitions are the only thing the platform hands its roles to.
      Sid: 'PassRolesToEcsTasksOnly',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: platformRoles,
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    {
      Sid: 'ReadTheBoundary',
      Effect: 'Allow',
      Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
      Resource: props.permissionsBoundaryArn,
    },
    {
      // `<prefix>-*` also matches the CI roles' own names: without this the deploy role could change
      // its own trust or permissions. Explicit denies win over any allow.
      Sid: 'NeverTheCiRoles',
      Effect: 'Deny',
      Action: 'iam:*',
      Resource: `arn:${partition}:iam::${props.accountId}:role/${p}-circleci-*`,
    },
    {
      Sid: 'KeepTheBoundary',
      Effect: 'Deny',
      Action: 'iam:DeleteRolePermissionsBoundary',
      Resource: platformRoles,
    },
    {
      Sid: 'NeverDisableTheStateKey',
      Effect: 'Deny',
      Action: [
        'kms:ScheduleKeyDeletion',
        'kms:DisableKey',
        'kms:DisableKeyRotation',
        'kms:PutKeyPolicy',
        'kms:CreateGrant',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:UpdateKeyDescription',
        'kms:CreateAlias',
        'kms:UpdateAlias',
        'kms:DeleteAlias',
      ],
      Resource: props.stateKmsKeyArn,
    },
    {
      // The service schedule (scale to zero). Scalable-target ARNs carry an opaque id, not the
      // service's name, so the account's targets are the narrowest scope (one environment per account).
      Sid: 'ServiceSchedule',
      Effect: 'Allow',
      Action: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:PutScheduledAction',
        'application-autoscaling:DeleteScheduledAction',
        'application-autoscaling:TagResource',
        'application-autoscaling:UntagResource',
        'application-autoscaling:ListTagsForResource',
      ],
      Resource: a('application-autoscaling', 'scalable-target/*'),
    },
    { Sid: 'ServiceScheduleRead', Effect: 'Allow', Action: 'application-autoscaling:Describe*', Resource: '*' },
    {
      Sid: 'ServiceLinkedRoles',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: `arn:${partition}:iam::${props.accountId}:role/aws-service-role/*`,
    },
    {
      Sid: 'FlowStorage',
      Effect: 'Allow',
      Action: 's3:*',
      Resource: [`arn:${partition}:s3:::${props.flowStorageBucket}`, `arn:${partition}:s3:::${props.flowStorageBucket}/*`],
    },
    { Sid: 'Alarms', Effect: 'Allow', Action: 'cloudwatch:*', Resource: a('cloudwatch', `alarm:${p}-*`) },
    { Sid: 'AlarmTopic', Effect: 'Allow', Action: 'sns:*', Resource: a('sns', `${p}-*`) },
    {
      // The database-rotation restart: the rule, its target and the state machine.
      Sid: 'RotationRestart',
      Effect: 'Allow',
      Action: ['events:*', 'states:*'],
      Resource: [a('events', `rule/${p}-*`), a('states', `stateMachine:${p}-*`), a('states', `execution:${p}-*:*`)],
    },
    {
      Sid: 'ReadImages',
      Effect: 'Allow',
      Action: ['ecr:DescribeImages', 'ecr:DescribeRepositories', 'ecr:ListImages'],
      Resource: props.repositoryArn,
    },
  ];
  if (props.scaleOut) {
    // ElastiCache names the cache, its subnet group, users and user group after the prefix.
    const cache = ['serverlesscache', 'replicationgroup', 'cluster', 'subnetgroup', 'user', 'usergroup', 'snapshot', 'serverlesscachesnapshot']
      .map((kind) => a('elasticache', `${kind}:${p}-*`));
    statements.push(
      { Sid: 'Redis', Effect: 'Allow', Action: 'elasticache:*', Resource: [...cache, a('elasticache', 'parametergroup:default.*')] },
      { Sid: 'RedisRead', Effect: 'Allow', Action: 'elasticache:Describe*', Resource: '*' },
      {
        Sid: 'ApiAutoscalingPolicies',
        Effect: 'Allow',
        Action: ['application-autoscaling:PutScalingPolicy', 'application-autoscaling:DeleteScalingPolicy'],
        Resource: a('application-autoscaling', 'scalable-target/*'),
      },
    );
  }
  if (props.privateEndpoint) {
    // A private endpoint: a Cloud Map namespace and service, tagged for the environment (default
    // tags). Cloud Map creates the namespace's private hosted zone with the caller's permissions,
    // and its ids are random, so the zone actions cannot be scoped further than the account.
    const registry = [a('servicediscovery', 'namespace/*'), a('servicediscovery', 'service/*')];
    statements.push(
      { Sid: 'PrivateNamesCreatedForTheEnvironment', Effect: 'Allow', Action: ['servicediscovery:CreatePrivateDnsNamespace', 'servicediscovery:CreateService', 'servicediscovery:TagResource'], Resource: '*', Condition: taggedRequest },
      { Sid: 'PrivateNamesOfTheEnvironment', Effect: 'Allow', Action: 'servicediscovery:*', Resource: registry, Condition: taggedResource },
      { Sid: 'PrivateNamesWithoutResourceScope', Effect: 'Allow', Action: ['servicediscovery:GetOperation', 'servicediscovery:ListNamespaces', 'route53:CreateHostedZone', 'route53:ListHostedZonesByName'], Resource: '*' },
      {
        Sid: 'PrivateNamespaceZone',
        Effect: 'Allow',
        Action: ['route53:GetHostedZone', 'route53:DeleteHostedZone', 'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:AssociateVPCWithHostedZone'],
        Resource: `arn:${partition}:route53:::hostedzone/*`,
      },
      { Sid: 'PrivateNamespaceZoneChanges', Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${partition}:route53:::change/*` },
    );
  }
  if (props.hostedZoneId) {
    statements.push(
      { Sid: 'Certificates', Effect: 'Allow', Action: 'acm:*', Resource: a('acm', 'certificate/*') },
      {
        Sid: 'DnsRecords',
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets', 'route53:GetHostedZone', 'route53:ListResourceRecordSets', 'route53:ListTagsForResource'],
        Resource: `arn:${partition}:route53:::hostedzone/${props.hostedZoneId}`,
      },
      { Sid: 'DnsChanges', Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${partition}:route53:::change/*` },
    );
  }
  return statements;
}
