import { configFor, one, resources, Synth, synthBoth, WITH_ALB } from './helpers';
import { PolicyStatement } from '../src/policy';

/**
 * Actions AWS offers no resource-level scoping for ("Resource types: none" in
 * the Service Authorization Reference), so `Resource: "*"` is the only option.
 * Anything else under `Resource: "*"` fails the scan.
 */
const UNSCOPABLE = new Set([
  'ecr:GetAuthorizationToken',
  'ecs:RegisterTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitions',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  // Read-only describe/list calls terraform makes (deploy role); these APIs are account-wide.
  'ec2:Describe*',
  'ecs:Describe*',
  'ecs:List*',
  'elasticloadbalancing:Describe*',
  'rds:Describe*',
  'application-autoscaling:Describe*',
  'logs:DescribeLogGroups',
  'cloudwatch:DescribeAlarms',
  'kms:ListAliases',
  'acm:ListCertificates',
  'sts:GetCallerIdentity',
  // Creates whose resource does not exist yet, so there is no ARN to name.
  'kms:CreateKey',
  // The tags CreateKey writes (only with aws:RequestTag = the environment; re-tagging another
  // environment's key is denied explicitly).
  'kms:TagResource',
  'acm:RequestCertificate',
  'secretsmanager:GetRandomPassword',
  // A private endpoint: Cloud Map creates (tagged for the environment, aws:RequestTag) and the
  // hosted zone it creates for the namespace under the caller's permissions; operations and
  // listings are account-wide.
  'servicediscovery:CreatePrivateDnsNamespace',
  'servicediscovery:CreateService',
  'servicediscovery:TagResource',
  'servicediscovery:GetOperation',
  'servicediscovery:ListNamespaces',
  'route53:CreateHostedZone',
  'route53:ListHostedZonesByName',
  // The SSM agent's session channels in a task reached by ECS Exec (no resource type exists).
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
]);

interface FoundPolicy {
  readonly where: string;
  readonly statements: PolicyStatement[];
  /** Key policies: `Resource: "*"` there means "this key". */
  readonly keyPolicy: boolean;
}

function policies(s: Synth): FoundPolicy[] {
  const found: FoundPolicy[] = [];
  const add = (where: string, doc: string, keyPolicy = false) => {
    const parsed = JSON.parse(doc) as { Statement: PolicyStatement[] };
    found.push({ where, statements: parsed.Statement, keyPolicy });
  };
  for (const [name, r] of Object.entries(resources(s, 'aws_iam_role'))) add(`aws_iam_role.${name} (trust)`, r.assume_role_policy);
  for (const [name, r] of Object.entries(resources(s, 'aws_iam_role_policy'))) add(`aws_iam_role_policy.${name}`, r.policy);
  for (const [name, r] of Object.entries(resources(s, 'aws_iam_policy'))) add(`aws_iam_policy.${name}`, r.policy);
  for (const [name, r] of Object.entries(resources(s, 'aws_s3_bucket_policy'))) add(`aws_s3_bucket_policy.${name}`, r.policy);
  for (const [name, r] of Object.entries(resources(s, 'aws_kms_key'))) add(`aws_kms_key.${name}`, r.policy, true);
  return found;
}

const list = (v: string | readonly string[] | undefined) => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);

describe('IAM least privilege', () => {
  const domain = { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' };
  const stacks = [
    ...Object.entries(synthBoth(configFor('dev'))),
    ...Object.entries(synthBoth(configFor('prod', { domain, iam: { adminPrincipalArns: ['arn:aws:iam::333333333333:role/admin'] } }))),
  ];

  it('finds policy documents to scan', () => {
    const count = stacks.reduce((n, [, s]) => n + policies(s).length, 0);
    expect(count).toBeGreaterThan(20);
  });

  it('has no statement with Action "*" or a service-wide "*" outside key policies', () => {
    for (const [stack, s] of stacks) {
      for (const p of policies(s)) {
        for (const st of p.statements) {
          for (const action of list(st.Action)) {
            expect({ stack, where: p.where, action }).not.toMatchObject({ action: '*' });
          }
        }
      }
    }
  });

  it('uses Resource "*" only for actions AWS cannot scope (documented allow-list)', () => {
    const offenders: string[] = [];
    for (const [stack, s] of stacks) {
      for (const p of policies(s)) {
        if (p.keyPolicy) continue;
        for (const st of p.statements) {
          if (st.Effect !== 'Allow' || !list(st.Resource).includes('*')) continue;
          for (const action of list(st.Action)) if (!UNSCOPABLE.has(action)) offenders.push(`${stack} ${p.where}: ${action}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('lets the key policies delegate to IAM and admit only the CloudWatch services for logs and alarms', () => {
    const platform = stacks[0][1];
    const key = policies(platform).find((p) => p.keyPolicy)!;
    expect(key.statements.map((s) => s.Principal)).toEqual([
      { AWS: 'arn:aws:iam::111111111111:root' },
      { Service: 'logs.eu-west-2.amazonaws.com' },
      { Service: 'cloudwatch.amazonaws.com' },
    ]);
    expect(key.statements[1].Condition).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-2:111111111111:log-group:*' },
    });
  });

  const dev = synthBoth(configFor('dev', WITH_ALB));
  const rolePolicy = (s: Synth, part: string) => (JSON.parse(one(s, 'aws_iam_role_policy', part).policy) as { Statement: PolicyStatement[] }).Statement;

  it('lets the execution role pull only blog-data, read only the platform secrets and write only its log groups', () => {
    const pull = rolePolicy(dev.platform, 'execution_policy-pull-image');
    expect(pull[1].Resource).toBe('arn:aws:ecr:eu-west-2:111111111111:repository/blog-data');
    const secrets = rolePolicy(dev.platform, 'execution_policy-read-secrets');
    expect(secrets[0].Resource).toEqual([
      expect.stringContaining('aws_secretsmanager_secret.api-auth_secret_'),
      expect.stringContaining('master_user_secret[0].secret_arn'),
    ]);
    const logs = rolePolicy(dev.platform, 'execution_policy-write-logs');
    expect(logs[0].Resource).toEqual(
      ['api', 'worker', 'deployer', 'flow-runs'].map((g) => `arn:aws:logs:eu-west-2:111111111111:log-group:/ecs/dev/prefect-${g}:*`),
    );
  });

  it('gives the worker exactly what the ECS worker calls, scoped to the cluster and the flow-run roles', () => {
    const statements = rolePolicy(dev.platform, 'worker_policy-run-flow-tasks');
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.RunTasksOnlyInTheCluster.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev' },
    });
    expect(bySid.WatchAndStopTasksInTheCluster).toMatchObject({
      Action: ['ecs:DescribeTasks', 'ecs:StopTask', 'ecs:TagResource'],
      Resource: 'arn:aws:ecs:eu-west-2:111111111111:task/prefect-dev/*',
    });
    expect(bySid.PassOnlyTheFlowRunRoles.Resource).toEqual([
      expect.stringContaining('aws_iam_role.iam_execution_role_'),
      expect.stringContaining('aws_iam_role.iam_flow-run_role_'),
    ]);
    expect(bySid.PassOnlyTheFlowRunRoles.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect(list(bySid.NetworkLookupsHaveNoResourceScope.Action)).toEqual(['ec2:DescribeSubnets', 'ec2:DescribeVpcs']);
    expect(bySid.StreamFlowRunLogs.Resource).toBe('arn:aws:logs:eu-west-2:111111111111:log-group:/ecs/dev/prefect-flow-runs:*');
  });

  it('makes blog-data-pipeline-role 1-hour, trusted by flow runs (and admins), limited to the data buckets', () => {
    const role = one(dev.platform, 'aws_iam_role', 'iam_pipeline');
    expect(role).toMatchObject({ name: 'blog-data-pipeline-role', max_session_duration: 3600 });
    const trust = JSON.parse(role.assume_role_policy).Statement as PolicyStatement[];
    expect(trust).toEqual([
      expect.objectContaining({ Principal: { AWS: expect.stringContaining('aws_iam_role.iam_flow-run_role_') }, Action: 'sts:AssumeRole' }),
    ]);
    const prodRole = one(stacks[2][1], 'aws_iam_role', 'iam_pipeline');
    expect(JSON.parse(prodRole.assume_role_policy).Statement[1].Principal).toEqual({ AWS: ['arn:aws:iam::333333333333:role/admin'] });
    const objects = rolePolicy(dev.platform, 'pipeline_policy-data-buckets')[1];
    expect(objects.Resource).toEqual(
      ['blog-data-cache-dev', 'kit-instructions-dev', 'design-files-dev', 'blog-data-raw-dev', 'blog-data-clean-dev', 'ron-website-docs-dev'].map(
        (b) => `arn:aws:s3:::${b}/*`,
      ),
    );
  });

  it('caps every platform role with the bootstrap permissions boundary, and CI may write roles only with it', () => {
    const boundaryArn = 'arn:aws:iam::111111111111:policy/blog-data-dev-platform-boundary';
    const roles = Object.values(resources(dev.platform, 'aws_iam_role'));
    // Six task and pipeline roles, and the two of the rotation restart (EventBridge, Step Functions).
    expect(roles).toHaveLength(8);
    for (const role of roles) expect({ role: role.name, boundary: role.permissions_boundary }).toEqual({ role: role.name, boundary: boundaryArn });
    expect(one(dev.bootstrap, 'aws_iam_policy', 'boundary')).toMatchObject({ name: 'blog-data-dev-platform-boundary' });

    const deploy = Object.fromEntries(rolePolicy(dev.bootstrap, 'deploy_policy').map((st): [string, PolicyStatement] => [st.Sid ?? '', st]));
    expect(deploy.RolesOnlyWithTheBoundary).toMatchObject({
      Action: expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']),
      Condition: { StringEquals: { 'iam:PermissionsBoundary': expect.stringMatching(/^\$\{aws_iam_policy\.boundary_policy_.*\.arn\}$/) } },
    });
    const unconditioned = Object.values(deploy).filter((st) => st.Effect === 'Allow' && !st.Condition).flatMap((st) => list(st.Action));
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:*']) {
      expect(unconditioned).not.toContain(action);
    }
    expect(deploy.KeepTheBoundary).toMatchObject({ Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary' });
  });

  it('lets ECS tasks assume task roles only from this account', () => {
    const trust = JSON.parse(one(dev.platform, 'aws_iam_role', 'iam_worker').assume_role_policy).Statement[0];
    expect(trust).toMatchObject({
      Principal: { Service: 'ecs-tasks.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    });
  });

  // The CI roles' trust (branch-pinned OIDC subjects) is tested in ci-trust.test.ts.

  it('lets the CircleCI push role write to the blog-data repository only', () => {
    const statements = rolePolicy(dev.bootstrap, 'ecr-push_policy');
    const push = statements.find((s) => s.Sid === 'PushToOneRepository')!;
    expect(push.Resource).toMatch(/^\$\{aws_ecr_repository\.registry_repository_.*\.arn\}$/);
    // What image-builder's publish calls, no more: HEAD blob (BatchCheckLayerAvailability), the
    // upload (Initiate, UploadLayerPart, Complete), manifest PUT (PutImage: the push and moved tags),
    // manifest GET (BatchGetImage) and blob GET (GetDownloadUrlForLayer) for the look-up and read-back.
    expect(list(push.Action).sort()).toEqual([
      'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:GetDownloadUrlForLayer',
      'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
    ]);
    expect(statements.filter((s) => s.Resource === '*').flatMap((s) => list(s.Action))).toEqual(['ecr:GetAuthorizationToken']);
  });

  it('lets the deploy role manage what the platform stack names (roles, secrets, logs, alarms, topic, cluster)', () => {
    const statements = rolePolicy(dev.bootstrap, 'deploy_policy');
    const allowed = (service: string, arn: string) =>
      statements.some(
        (st) =>
          st.Effect === 'Allow' &&
          list(st.Action).some((a) => a === `${service}:*` || a.startsWith(`${service}:`)) &&
          // (Resource "*" statements hold only the unscopable calls, which manage nothing.)
          list(st.Resource).some((pattern) => pattern !== '*' && new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(arn)),
      );
    const p = dev.platform;
    const account = 'arn:aws:iam::111111111111';
    for (const role of Object.values(resources(p, 'aws_iam_role'))) expect([role.name, allowed('iam', `${account}:role/${role.name}`)]).toEqual([role.name, true]);
    const secret = one(p, 'aws_secretsmanager_secret').name as string;
    expect(allowed('secretsmanager', `arn:aws:secretsmanager:eu-west-2:111111111111:secret:${secret}-AbCdEf`)).toBe(true);
    for (const g of Object.values(resources(p, 'aws_cloudwatch_log_group'))) {
      expect(allowed('logs', `arn:aws:logs:eu-west-2:111111111111:log-group:${g.name as string}`)).toBe(true);
    }
    for (const alarm of Object.values(resources(p, 'aws_cloudwatch_metric_alarm'))) {
      expect(allowed('cloudwatch', `arn:aws:cloudwatch:eu-west-2:111111111111:alarm:${alarm.alarm_name as string}`)).toBe(true);
    }
    expect(allowed('sns', `arn:aws:sns:eu-west-2:111111111111:${one(p, 'aws_sns_topic').name as string}`)).toBe(true);
    expect(allowed('ecs', 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev')).toBe(true);
    expect(allowed('ecs', 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-server:3')).toBe(true);
    expect(allowed('rds', `arn:aws:rds:eu-west-2:111111111111:cluster:${one(p, 'aws_rds_cluster').cluster_identifier as string}`)).toBe(true);
    expect(allowed('elasticloadbalancing', `arn:aws:elasticloadbalancing:eu-west-2:111111111111:loadbalancer/app/${one(p, 'aws_lb').name as string}/abc`)).toBe(true);
    expect(allowed('elasticloadbalancing', `arn:aws:elasticloadbalancing:eu-west-2:111111111111:targetgroup/${one(p, 'aws_lb_target_group').name as string}/abc`)).toBe(true);
    expect(allowed('s3', `arn:aws:s3:::${one(p, 'aws_s3_bucket').bucket as string}`)).toBe(true);
    // ...and nothing outside the environment.
    expect(allowed('iam', `${account}:role/blog-data-prod-prefect-worker`)).toBe(false);
    expect(allowed('secretsmanager', 'arn:aws:secretsmanager:eu-west-2:111111111111:secret:other/thing-AbCdEf')).toBe(false);
  });

  it('limits the deploy role to the environment: its state objects, names and log groups', () => {
    const statements = rolePolicy(dev.bootstrap, 'deploy_policy');
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.TerraformState.Resource).toEqual([
      'arn:aws:s3:::blog-data-tfstate-111111111111-eu-west-2/blog-data/dev/blog-data-dev-platform.tfstate',
      'arn:aws:s3:::blog-data-tfstate-111111111111-eu-west-2/blog-data/dev/blog-data-dev-platform.tfstate.tflock',
      'arn:aws:s3:::blog-data-tfstate-111111111111-eu-west-2/blog-data/dev/deploys/*',
    ]);
    // The bootstrap stack's state is an admin's: CI may neither write nor delete it.
    expect(bySid.NeverTheBootstrapState).toEqual({
      Sid: 'NeverTheBootstrapState',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: [
        'arn:aws:s3:::blog-data-tfstate-111111111111-eu-west-2/blog-data/dev/blog-data-dev-bootstrap.tfstate',
        'arn:aws:s3:::blog-data-tfstate-111111111111-eu-west-2/blog-data/dev/blog-data-dev-bootstrap.tfstate.*',
      ],
    });
    expect(bySid.Roles.Resource).toEqual(['arn:aws:iam::111111111111:role/blog-data-dev-*', 'arn:aws:iam::111111111111:role/blog-data-pipeline-role']);
    expect(bySid.LogGroups.Resource).toEqual([
      'arn:aws:logs:eu-west-2:111111111111:log-group:/ecs/dev/*',
      'arn:aws:logs:eu-west-2:111111111111:log-group:/ecs/dev/*:*',
    ]);
    expect(bySid.Certificates).toBeUndefined();
    // The deploy role can manage the environment's roles but never its own or the push role.
    expect(bySid.NeverTheCiRoles).toMatchObject({ Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::111111111111:role/blog-data-dev-circleci-*' });
    expect(one(dev.bootstrap, 'aws_iam_role', 'deploy_role').name).toMatch(/^blog-data-dev-circleci-/);
    expect(bySid.NeverDisableTheStateKey).toMatchObject({ Effect: 'Deny', Resource: expect.stringContaining('aws_kms_key.key_') });
  });
});
