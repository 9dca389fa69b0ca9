import {
  ConfigError,
  ENVIRONMENTS,
  ENVIRONMENT_INPUTS,
  loadAllConfigs,
  loadConfig,
  selectEnvironment,
  validateConfig,
} from '../src';

/** Loads `env` with only the given override variables set. */
function load(env: string, environ: Record<string, string> = {}) {
  return loadConfig({ env, environ });
}

/** The problems a load produces as `<what> (from VAR)` (fails the test if it does not throw). */
function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      return err.problems().map((p) => (p.where?.startsWith('from ') ? `${p.what} (${p.where})` : p.what));
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('committed environments', () => {
  it.each(ENVIRONMENTS)('%s is valid', (env) => {
    expect(() => load(env)).not.toThrow();
  });

  it('uses the production names everywhere', () => {
    for (const env of ENVIRONMENTS) {
      const c = load(env);
      expect(c.prefect.workPool).toBe('blog-data-pool');
      expect(c.image.repository).toBe('blog-data');
      expect(c.image.tag).toBe('prefect-3-python3.12-ecs');
      expect(c.iam.pipelineRoleName).toBe('blog-data-pipeline-role');
      expect([c.logs.api, c.logs.worker, c.logs.deployer]).toEqual([
        `/ecs/${env}/prefect-api`,
        `/ecs/${env}/prefect-worker`,
        `/ecs/${env}/prefect-deployer`,
      ]);
    }
  });

  it("keeps today's production sizes: server 256/512, Aurora 15.13 at 0.5-1 ACU", () => {
    const prod = load('prod');
    expect(prod.server).toEqual({ cpu: 256, memory: 512 });
    expect(prod.aurora).toMatchObject({ engineVersion: '15.13', minAcu: 0.5, maxAcu: 1, deletionProtection: true });
  });

  it('keeps the production bucket names in prod and suffixes them elsewhere', () => {
    expect(load('prod').buckets).toMatchObject({
      cache: 'blog-data-cache',
      kitInstructions: 'kit-instructions',
      designFiles: 'design-files',
      raw: 'blog-data-raw',
      clean: 'blog-data-clean',
      website: 'ron-website-docs',
    });
    expect(load('dev').buckets.cache).toBe('blog-data-cache-dev');
  });

  it('allows a separate AWS account per environment', () => {
    const accounts = new Set(ENVIRONMENTS.map((env) => load(env).aws.accountId));
    expect(accounts.size).toBe(3);
  });

  it('loadAllConfigs returns every environment', () => {
    expect(Object.keys(loadAllConfigs({}))).toEqual(['dev', 'staging', 'prod']);
  });
});

describe('environment selection', () => {
  it('defaults to dev', () => {
    expect(selectEnvironment(undefined, {})).toBe('dev');
  });

  it('reads PLATFORM_ENV', () => {
    expect(loadConfig({ environ: { PLATFORM_ENV: 'staging' } }).env).toBe('staging');
  });

  it('prefers the explicit name over PLATFORM_ENV', () => {
    expect(selectEnvironment('prod', { PLATFORM_ENV: 'dev' })).toBe('prod');
  });

  it('rejects an unknown environment naming the source and listing the valid ones, exit 2', () => {
    expect(() => selectEnvironment(undefined, { PLATFORM_ENV: 'qa' })).toThrow(
      'unknown environment "qa" (PLATFORM_ENV): set PLATFORM_ENV to one of dev, staging, prod',
    );
    expect(() => load('prd')).toThrow('unknown environment "prd" (--env): pass --env dev|staging|prod');
    try {
      load('prd');
    } catch (err) {
      expect((err as ConfigError).exitCode).toBe(2);
    }
  });
});

describe('overrides from PLATFORM_* variables', () => {
  it('sets a nested number with the type of the setting it replaces', () => {
    expect(load('dev', { PLATFORM_AURORA__MAX_ACU: '2' }).aurora.maxAcu).toBe(2);
  });

  it('keeps strings as strings (15.13 is an engine version, not a number)', () => {
    expect(load('dev', { PLATFORM_AURORA__ENGINE_VERSION: '15.10' }).aurora.engineVersion).toBe('15.10');
  });

  it('parses booleans and JSON arrays', () => {
    const c = load('dev', {
      PLATFORM_ECS__CONTAINER_INSIGHTS: 'true',
      PLATFORM_IAM__ADMIN_PRINCIPAL_ARNS: '["arn:aws:iam::111111111111:role/admin"]',
    });
    expect(c.ecs.containerInsights).toBe(true);
    expect(c.iam.adminPrincipalArns).toEqual(['arn:aws:iam::111111111111:role/admin']);
  });

  it('re-derives account- and region-specific names from an overridden account and region', () => {
    const c = load('dev', { PLATFORM_AWS__ACCOUNT_ID: '123456789012', PLATFORM_AWS__REGION: 'us-east-1' });
    expect(c.buckets.flowStorage).toBe('blog-data-prefect-flows-dev-123456789012');
    expect(c.state.bucket).toBe('blog-data-tfstate-123456789012-us-east-1');
  });

  it('sets optional sections that have no default (domain)', () => {
    // A domain is served by the ALB: dev's private default gives way with PLATFORM_ENDPOINT.
    const c = load('dev', { PLATFORM_DOMAIN__NAME: 'prefect.example.com', PLATFORM_DOMAIN__HOSTED_ZONE_ID: 'Z0123456789ABC', PLATFORM_ENDPOINT: 'cloudfront' });
    expect(c.domain).toEqual({ name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' });
  });

  it('switches the network to an existing VPC from JSON', () => {
    const c = load('dev', {
      PLATFORM_NETWORK: JSON.stringify({
        mode: 'existing',
        vpcId: 'vpc-0123456789abcdef0',
        publicSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        privateSubnetIds: [],
      }),
    });
    expect(c.network).toMatchObject({ mode: 'existing', vpcId: 'vpc-0123456789abcdef0' });
  });

  it('names the variable when an override is invalid', () => {
    expect(problemsOf(() => load('prod', { PLATFORM_SERVER__CPU: 'lots' }))).toContain(
      'prod.server.cpu: must be a plain decimal number (got "lots") (from PLATFORM_SERVER__CPU)',
    );
  });

  it('blames the override behind a rule that compares two settings (README example)', () => {
    expect(problemsOf(() => load('prod', { PLATFORM_AURORA__MIN_ACU: '2' }))).toEqual([
      'prod.aurora.maxAcu: must be ≥ minAcu (2) (from PLATFORM_AURORA__MIN_ACU)',
    ]);
  });

  it('blames a whole-object override for a problem inside it', () => {
    expect(problemsOf(() => load('dev', { PLATFORM_AURORA: JSON.stringify({ ...load('dev').aurora, minAcu: 0.7 }) }))).toEqual([
      'dev.aurora.minAcu: must be a multiple of 0.5 (from PLATFORM_AURORA)',
    ]);
  });

  it('says that malformed JSON in an override is not JSON, naming the variable', () => {
    const problems = problemsOf(() => load('dev', { PLATFORM_NETWORK: '{"mode":"existing",' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^dev\.network: not valid JSON \(.+\) \(from PLATFORM_NETWORK\)$/);
    expect(problemsOf(() => load('dev', { PLATFORM_IAM__ADMIN_PRINCIPAL_ARNS: 'arn:aws:iam::1:role/x' }))[0]).toMatch(
      /^dev\.iam\.adminPrincipalArns: not valid JSON/,
    );
  });

  it('points at the environment file when no override is involved', () => {
    try {
      validateConfig({ ...ENVIRONMENT_INPUTS.dev, colour: 'blue' });
    } catch (err) {
      expect((err as ConfigError).problems()[0]).toEqual({
        what: 'dev.colour: unknown setting',
        where: 'packages/config/src/environments/dev.ts',
        fix: 'correct the setting there (or in environments/base.ts when it is a default)',
      });
    }
    expect.assertions(1);
  });

  it('rejects an override of a setting that does not exist', () => {
    expect(problemsOf(() => load('dev', { PLATFORM_AURORA__MAXX_ACU: '2' }))).toEqual([
      'dev.aurora.maxxAcu: unknown setting (from PLATFORM_AURORA__MAXX_ACU)',
    ]);
  });
});

describe('validation rules, one line per problem naming environment and field', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['account id', { PLATFORM_AWS__ACCOUNT_ID: '1234' }, 'prod.aws.accountId: must be a 12-digit AWS account id'],
    ['region', { PLATFORM_AWS__REGION: 'europe' }, 'prod.aws.region: must be an AWS region such as eu-west-2'],
    ['ACU order', { PLATFORM_AURORA__MIN_ACU: '2' }, 'prod.aurora.maxAcu: must be ≥ minAcu (2)'],
    ['ACU step', { PLATFORM_AURORA__MIN_ACU: '0.7' }, 'prod.aurora.minAcu: must be a multiple of 0.5'],
    ['max ACU floor', { PLATFORM_AURORA__MAX_ACU: '0.5' }, 'prod.aurora.maxAcu: must be ≥ 1'],
    ['engine major', { PLATFORM_AURORA__ENGINE_VERSION: '16.4' }, 'prod.aurora.engineVersion: must be an Aurora PostgreSQL 15.x version'],
    ['backup days', { PLATFORM_AURORA__BACKUP_RETENTION_DAYS: '40' }, 'prod.aurora.backupRetentionDays: Too big: expected number to be <=35'],
    ['PI retention', { PLATFORM_AURORA__PERFORMANCE_INSIGHTS_RETENTION_DAYS: '8' }, 'prod.aurora.performanceInsightsRetentionDays: Invalid input'],
    ['Fargate cpu', { PLATFORM_SERVER__CPU: '300' }, 'prod.server.cpu: must be one of 256, 512, 1024, 2048, 4096 (Fargate cpu units)'],
    ['Fargate pair', { PLATFORM_WORKER__MEMORY: '4096' }, 'prod.worker.memory: must be one of 512..2048 MiB for cpu 256 (Fargate pairs)'],
    ['AZ count', { PLATFORM_NETWORK__AZ_COUNT: '1' }, 'prod.network.azCount: must be ≥ 2 (the ALB and Aurora need two zones)'],
    ['NAT without private subnets', { PLATFORM_NETWORK__NAT_GATEWAY: 'true' }, 'prod.network.natGateway: requires privateSubnets: true'],
    ['private subnets without egress', { PLATFORM_NETWORK__PRIVATE_SUBNETS: 'true' }, 'prod.network.privateSubnets: needs natGateway or vpcEndpoints, or tasks cannot pull images'],
    ['CIDR', { PLATFORM_NETWORK__CIDR: '10.0.0.0/8' }, 'prod.network.cidr: must be an IPv4 CIDR between /16 and /28'],
    ['domain without zone', { PLATFORM_DOMAIN__NAME: 'prefect.example.com' }, 'prod.domain.hostedZoneId: Invalid input: expected string, received undefined'],
    ['zone without domain', { PLATFORM_DOMAIN__HOSTED_ZONE_ID: 'Z0123456789ABC' }, 'prod.domain.name: Invalid input: expected string, received undefined'],
    ['domain name', { PLATFORM_DOMAIN__NAME: 'not a host', PLATFORM_DOMAIN__HOSTED_ZONE_ID: 'Z0123456789ABC' }, 'prod.domain.name: must be a DNS name such as prefect.example.com'],
    ['hosted zone id', { PLATFORM_DOMAIN__NAME: 'a.example.com', PLATFORM_DOMAIN__HOSTED_ZONE_ID: 'abc' }, 'prod.domain.hostedZoneId: must be a Route 53 hosted zone id (Z…)'],
    ['work pool', { PLATFORM_PREFECT__WORK_POOL: 'Blog Pool' }, 'prod.prefect.workPool: must be lowercase letters, digits and hyphens'],
    ['ECR repository', { PLATFORM_IMAGE__REPOSITORY: 'Blog_Data!' }, 'prod.image.repository: must be an ECR repository name'],
    ['image tag', { PLATFORM_IMAGE__TAG: '-bad' }, 'prod.image.tag: must be a Docker tag'],
    ['digest', { PLATFORM_IMAGE__DIGEST: 'sha256:abc' }, 'prod.image.digest: must be sha256:<64 hex>'],
    ['log group env', { PLATFORM_LOGS__API: '/ecs/dev/prefect-api' }, 'prod.logs.api: must start with /ecs/prod/'],
    ['log retention', { PLATFORM_LOGS__RETENTION_DAYS: '10' }, 'prod.logs.retentionDays: Invalid input'],
    ['bucket name', { PLATFORM_BUCKETS__RAW: 'Blog_Raw' }, 'prod.buckets.raw: must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'],
    ['duplicate bucket', { PLATFORM_BUCKETS__CLEAN: 'blog-data-raw' }, 'prod.buckets.clean: duplicates buckets.raw (blog-data-raw)'],
    ['pipeline session', { PLATFORM_IAM__PIPELINE_ROLE_MAX_SESSION_SECONDS: '600' }, 'prod.iam.pipelineRoleMaxSessionSeconds: Too small: expected number to be >=3600'],
    ['admin principal', { PLATFORM_IAM__ADMIN_PRINCIPAL_ARNS: '["bob"]' }, 'prod.iam.adminPrincipalArns.0: must be an IAM ARN'],
    ['CircleCI org', { PLATFORM_CIRCLECI__ORGANIZATION_ID: 'acme' }, 'prod.circleci.organizationId: must be a UUID'],
    ['alarm e-mail', { PLATFORM_ALARMS__EMAIL: 'ops' }, 'prod.alarms.email: must be an e-mail address'],
    ['state prefix', { PLATFORM_STATE__KEY_PREFIX: 'a b' }, 'prod.state.keyPrefix: must be an S3 key prefix'],
    ['cluster name', { PLATFORM_ECS__CLUSTER_NAME: 'prefect dev' }, 'prod.ecs.clusterName: must be letters, digits, - or _'],
    ['project', { PLATFORM_PROJECT: 'Blog' }, 'prod.project: must be lowercase letters, digits and hyphens'],
  ];

  it.each(cases)('%s', (_name, environ, expected) => {
    const problems = problemsOf(() => load('prod', environ)).map((line) => line.replace(/ \(from PLATFORM_\w+\)$/, ''));
    expect(problems).toContain(expected);
  });

  it('reports every problem at once, one per line', () => {
    const err = problemsOf(() => load('staging', { PLATFORM_AWS__ACCOUNT_ID: 'x', PLATFORM_AURORA__MIN_ACU: '4' }));
    expect(err).toEqual([
      'staging.aws.accountId: must be a 12-digit AWS account id (from PLATFORM_AWS__ACCOUNT_ID)',
      'staging.aurora.maxAcu: must be ≥ minAcu (4) (from PLATFORM_AURORA__MIN_ACU)',
    ]);
  });

  it('rejects unknown keys in committed settings', () => {
    expect(() => validateConfig({ ...ENVIRONMENT_INPUTS.dev, colour: 'blue' })).toThrow('dev.colour: unknown setting');
  });

  it('loadAllConfigs collects the problems of every environment', () => {
    const problems = problemsOf(() => loadAllConfigs({ PLATFORM_AWS__REGION: 'nowhere' }));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^dev\.aws\.region: /);
  });
});
