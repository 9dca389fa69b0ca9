import { configFor, one, synthBoth } from './helpers';
import { Decision, evaluate, IamRequest } from './iam-evaluator';
import { PolicyStatement } from '../src/policy';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-2';
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const dev = { 'aws:ResourceTag/environment': 'dev' };
const prod = { 'aws:ResourceTag/environment': 'prod' };
const devCluster = { 'aws:ResourceTag/aws:rds:primaryDBClusterArn': arn('rds', 'cluster:blog-data-dev-prefect') };

describe('the deploy role stays inside its environment', () => {
  const { bootstrap } = synthBoth(configFor('dev'));
  // ARNs of resources in the same stack are terraform references (`${aws_kms_key.key_….arn}`);
  // they stand for one fixed ARN each, which is what IAM sees once applied.
  const policyOf = (part: string): PolicyStatement[] => {
    const raw = one(bootstrap, part.startsWith('aws_iam_policy') ? 'aws_iam_policy' : 'aws_iam_role_policy', part.replace('aws_iam_policy:', '')).policy as string;
    return (JSON.parse(raw.replace(/\$\{(aws_[a-z_]+)\.([\w-]+)\.arn\}/g, 'arn:test:$1/$2')) as { Statement: PolicyStatement[] }).Statement;
  };
  const deploy = policyOf('deploy_policy');
  const stateKey = /arn:test:aws_kms_key\/key_\w+/.exec(JSON.stringify(deploy))![0];
  const boundaryArn = /arn:test:aws_iam_policy\/boundary_policy_\w+/.exec(JSON.stringify(deploy))![0];
  const state = (key: string) => `arn:aws:s3:::blog-data-tfstate-${ACCOUNT}-${REGION}/blog-data/dev/${key}`;

  it.each([
    // EC2: creates only when tagged for the environment, changes only to what carries its tag.
    ['create a VPC tagged dev', { action: 'ec2:CreateVpc', resource: arn('ec2', 'vpc/*'), context: { 'aws:RequestTag/environment': 'dev' } }, 'allow'],
    ['create an untagged VPC', { action: 'ec2:CreateVpc', resource: arn('ec2', 'vpc/*') }, 'implicit-deny'],
    ['tag a subnet it creates', { action: 'ec2:CreateTags', resource: arn('ec2', 'subnet/*'), context: { 'aws:RequestTag/environment': 'dev', 'ec2:CreateAction': 'CreateSubnet' } }, 'allow'],
    ['tag a prod instance as dev', { action: 'ec2:CreateTags', resource: arn('ec2', 'instance/i-1'), context: { ...prod, 'aws:RequestTag/environment': 'dev' } }, 'implicit-deny'],
    ['open its own security group', { action: 'ec2:AuthorizeSecurityGroupIngress', resource: arn('ec2', 'security-group/sg-1'), context: dev }, 'allow'],
    ['delete a prod security group', { action: 'ec2:DeleteSecurityGroup', resource: arn('ec2', 'security-group/sg-2'), context: prod }, 'implicit-deny'],
    ['delete an untagged security group', { action: 'ec2:DeleteSecurityGroup', resource: arn('ec2', 'security-group/sg-3') }, 'implicit-deny'],
    ['share a snapshot', { action: 'ec2:ModifySnapshotAttribute', resource: arn('ec2', 'snapshot/snap-1'), context: dev }, 'explicit-deny'],
    ['share an AMI', { action: 'ec2:ModifyImageAttribute', resource: arn('ec2', 'image/ami-1'), context: dev }, 'explicit-deny'],
    ['change an instance attribute', { action: 'ec2:ModifyInstanceAttribute', resource: arn('ec2', 'instance/i-1'), context: dev }, 'explicit-deny'],
    ['share the final database snapshot', { action: 'rds:ModifyDBClusterSnapshotAttribute', resource: arn('rds', 'cluster-snapshot:blog-data-dev-final') }, 'explicit-deny'],
    // KMS: by tag, the alias by name; the state key only for state encryption.
    ['create a key tagged dev', { action: 'kms:CreateKey', resource: '*', context: { 'aws:RequestTag/environment': 'dev' } }, 'allow'],
    ['create an untagged key', { action: 'kms:CreateKey', resource: '*' }, 'implicit-deny'],
    ['rewrite its key policy', { action: 'kms:PutKeyPolicy', resource: arn('kms', 'key/k-dev'), context: dev }, 'allow'],
    ['delete a prod key', { action: 'kms:ScheduleKeyDeletion', resource: arn('kms', 'key/k-prod'), context: prod }, 'implicit-deny'],
    ['decrypt with an untagged key', { action: 'kms:Decrypt', resource: arn('kms', 'key/k-other') }, 'implicit-deny'],
    ['re-tag a prod key as dev', { action: 'kms:TagResource', resource: arn('kms', 'key/k-prod'), context: { ...prod, 'aws:RequestTag/environment': 'dev' } }, 'explicit-deny'],
    ['alias its key', { action: 'kms:CreateAlias', resource: arn('kms', 'alias/blog-data-dev'), context: {} }, 'allow'],
    ['alias under another name', { action: 'kms:CreateAlias', resource: arn('kms', 'alias/other') }, 'implicit-deny'],
    ['grant its key to an AWS service', { action: 'kms:CreateGrant', resource: arn('kms', 'key/k-dev'), context: { ...dev, 'kms:GrantIsForAWSResource': 'true' } }, 'allow'],
    ['grant its key to a person', { action: 'kms:CreateGrant', resource: arn('kms', 'key/k-dev'), context: dev }, 'implicit-deny'],
    ['change the state key policy', { action: 'kms:PutKeyPolicy', resource: stateKey, context: dev }, 'explicit-deny'],
    ['encrypt state', { action: 'kms:GenerateDataKey', resource: stateKey, context: dev }, 'allow'],
    // Secrets: the environment's by name, the RDS-managed one by its cluster tag.
    ['read the API auth secret', { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:blog-data-dev/prefect-api-auth-AbCdEf') }, 'allow'],
    ['read another secret', { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:other/thing-AbCdEf') }, 'implicit-deny'],
    ['manage its RDS secret', { action: 'secretsmanager:RotateSecret', resource: arn('secretsmanager', 'secret:rds!cluster-1-AbCdEf'), context: devCluster }, 'allow'],
    ['read prod\'s RDS secret', { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:rds!cluster-2-AbCdEf'), context: { 'aws:ResourceTag/aws:rds:primaryDBClusterArn': arn('rds', 'cluster:blog-data-prod-prefect') } }, 'implicit-deny'],
    ['read an RDS secret of no cluster', { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:rds!cluster-3-AbCdEf') }, 'implicit-deny'],
    ['let RDS create its secret', { action: 'secretsmanager:CreateSecret', resource: arn('secretsmanager', 'secret:rds!cluster-4-AbCdEf'), context: { 'aws:RequestTag/aws:rds:primaryDBClusterArn': arn('rds', 'cluster:blog-data-dev-prefect') } }, 'allow'],
    // IAM: roles passed only to ECS tasks, no trust rewrites.
    ['pass a role to ECS tasks', { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-prefect-worker`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, 'allow'],
    ['pass a role to EC2', { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-prefect-worker`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }, 'implicit-deny'],
    ['pass a role to anything', { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-prefect-worker` }, 'implicit-deny'],
    ['rewrite a trust policy', { action: 'iam:UpdateAssumeRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-pipeline-role` }, 'explicit-deny'],
    ['create a role without the boundary', { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-x` }, 'implicit-deny'],
    ['create a role with the boundary', { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-x`, context: { 'iam:PermissionsBoundary': boundaryArn } }, 'allow'],
    ['change the CI roles', { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-circleci-deploy`, context: { 'iam:PermissionsBoundary': boundaryArn } }, 'explicit-deny'],
    // State: the platform stack's object and lock, never the bootstrap stack's.
    ['write the platform state', { action: 's3:PutObject', resource: state('blog-data-dev-platform.tfstate') }, 'allow'],
    ['take the platform state lock', { action: 's3:PutObject', resource: state('blog-data-dev-platform.tfstate.tflock') }, 'allow'],
    ['write the bootstrap state', { action: 's3:PutObject', resource: state('blog-data-dev-bootstrap.tfstate') }, 'explicit-deny'],
    ['delete the bootstrap state', { action: 's3:DeleteObject', resource: state('blog-data-dev-bootstrap.tfstate') }, 'explicit-deny'],
    ['record the applied platform stack', { action: 's3:PutObject', resource: state('deploys/platform-applied.json') }, 'allow'],
    ['write any other key under the prefix', { action: 's3:PutObject', resource: state('evil.tfstate') }, 'implicit-deny'],
  ] as [string, Omit<IamRequest, 'context'> & { context?: Record<string, string> }, Decision][])('%s → %s', (_name, request, decision) => {
    expect(evaluate(deploy, { context: {}, ...request })).toBe(decision);
  });

  const boundary = policyOf('aws_iam_policy:boundary');
  it.each([
    ['pass a platform role to ECS tasks', { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-flow-run`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, 'allow'],
    ['pass a platform role to Lambda', { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/blog-data-dev-flow-run`, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }, 'implicit-deny'],
    ['decrypt with the environment\'s key', { action: 'kms:Decrypt', resource: arn('kms', 'key/k-dev'), context: dev }, 'allow'],
    ['decrypt with another key', { action: 'kms:Decrypt', resource: arn('kms', 'key/k-prod'), context: prod }, 'implicit-deny'],
    ['read the environment\'s RDS secret', { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:rds!cluster-1-AbCdEf'), context: devCluster }, 'allow'],
    ['read another RDS secret', { action: 'secretsmanager:GetSecretValue', resource: arn('secretsmanager', 'secret:rds!cluster-2-AbCdEf') }, 'implicit-deny'],
  ] as [string, Omit<IamRequest, 'context'> & { context?: Record<string, string> }, Decision][])('the permissions boundary: %s → %s', (_name, request, decision) => {
    expect(evaluate(boundary, { context: {}, ...request })).toBe(decision);
  });
});
