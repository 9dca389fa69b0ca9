import { IDENTITIES } from './identities';
import type { EnvironmentName, PlatformConfigInput } from '../schema';

/** Deep-partial, for environment files that only say how they differ from the defaults. */
export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Builds one environment's settings for an account and region (the committed ones by default).
 * A function, so that names derived from the account (state and flow buckets) follow an
 * account or region override instead of keeping the committed account's.
 */
export type EnvironmentBuilder = (aws?: { accountId?: string; region?: string }) => PlatformConfigInput;

/** The project name every resource name starts with. */
export const PROJECT = 'blog-data';

/**
 * The defaults every environment shares: today's production names and sizes
 * (server 256 CPU / 512 MiB, Aurora 0.5–1 ACU, PostgreSQL 15.13). Buckets keep
 * their production names in prod and get an `-<env>` suffix elsewhere, since S3
 * names are global.
 */
export function defaultsFor(env: EnvironmentName, accountId: string, region: string): PlatformConfigInput {
  const suffix = env === 'prod' ? '' : `-${env}`;
  const deployBranch = env === 'prod' ? 'main' : env === 'staging' ? 'staging-v2' : 'dev';
  return {
    env,
    project: PROJECT,
    aws: { accountId, region },
    network: {
      mode: 'create',
      cidr: '10.40.0.0/16',
      azCount: 2,
      privateSubnets: false,
      natGateway: false,
      vpcEndpoints: false,
    },
    // Dev has no load balancer (an ALB bills around the clock, which its schedule cannot stop;
    // people connect through ECS Exec with `platform-ops connect`); the others serve HTTPS without
    // a domain through CloudFront. PLATFORM_ENDPOINT=cloudfront gives dev the public entry back.
    endpoint: env === 'dev' ? 'private' : 'cloudfront',
    ecs: { clusterName: `prefect-${env}`, containerInsights: env === 'prod' },
    server: { cpu: 256, memory: 512 },
    worker: { cpu: 256, memory: 512 },
    deployer: { cpu: 256, memory: 512 },
    deployerHeapMiB: 192,
    flowRun: { cpu: 512, memory: 1024 },
    aurora: {
      engineVersion: '15.13',
      // Outside prod the cluster pauses once the scheduled services stop connecting.
      minAcu: env === 'prod' ? 0.5 : 0,
      ...(env === 'prod' ? {} : { secondsUntilAutoPause: 900 }),
      maxAcu: 1,
      databaseName: 'prefect',
      // Staging keeps a week, enough to restore after a bad release found days later.
      backupRetentionDays: env === 'prod' ? 14 : env === 'staging' ? 7 : 1,
      deletionProtection: env === 'prod',
      performanceInsightsRetentionDays: 7,
    },
    prefect: { workPool: `${PROJECT}-pool`, workQueue: 'default', apiAuthUser: 'prefect' },
    image: { repository: PROJECT, tag: 'prefect-3-python3.12-ecs' },
    logs: {
      api: `/ecs/${env}/prefect-api`,
      worker: `/ecs/${env}/prefect-worker`,
      deployer: `/ecs/${env}/prefect-deployer`,
      flowRuns: `/ecs/${env}/prefect-flow-runs`,
      retentionDays: env === 'prod' ? 90 : 14,
    },
    iam: {
      pipelineRoleName: `${PROJECT}-pipeline-role`,
      pipelineRoleMaxSessionSeconds: 3600,
      adminPrincipalArns: [],
    },
    buckets: {
      cache: `${PROJECT}-cache${suffix}`,
      kitInstructions: `kit-instructions${suffix}`,
      designFiles: `design-files${suffix}`,
      raw: `${PROJECT}-raw${suffix}`,
      clean: `${PROJECT}-clean${suffix}`,
      website: `ron-website-docs${suffix}`,
      flowStorage: `${PROJECT}-prefect-flows-${env}-${accountId}`,
    },
    circleci: {
      ...IDENTITIES.circleci,
      deployBranch,
      publishBranches: [deployBranch],
      requireApproval: env === 'prod',
      // A first apply creates Aurora (cluster ~10 min, then its writer ~10–15 min), the ALB, the
      // ECS services (steady state only once the database answers) and builds both images: about
      // 45–60 min in one sitting, up to ~90 min when AWS is slow or a replacement recreates the
      // database. The credentials are fetched once at job start and cannot be refreshed (the OIDC
      // token lives one hour), so the session gets 3 h: twice the worst first apply.
      sessionSeconds: 3 * 3600,
    },
    state: { bucket: `${PROJECT}-tfstate-${accountId}-${region}`, keyPrefix: `${PROJECT}/${env}` },
    alarms: {},
    // Nobody works on dev or staging at night or at weekends: the services scale to 0 then.
    schedule: env === 'prod' ? null : { timezone: 'Europe/London', weekdays: 'MON-FRI', startHour: 8, stopHour: 19 },
    // One server task (no Redis) until a team outgrows it; PLATFORM_SCALE__MODE=scale-out switches.
    // The scale-out defaults are the smallest that survive one task or one AZ failing.
    scale: {
      mode: 'single',
      api: { minReplicas: 2, maxReplicas: 4, requestsPerTarget: 1000, cpuPercent: 60 },
      services: { replicas: 1 },
      redis: { kind: 'serverless', engine: 'valkey', nodeType: 'cache.t4g.micro', replicas: 1, maxStorageGb: 1, maxEcpuPerSecond: 5000 },
      auroraReader: false,
    },
    tags: { 'project': PROJECT, 'environment': env, 'managed-by': 'cdktf' },
  };
}

/** Merges an environment's differences over the defaults (arrays are replaced, not merged). */
export function mergeDeep<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (patch === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = (base as Record<string, unknown>)[key];
    // A discriminated union member (network.mode) is replaced whole when the mode changes to a
    // member with other fields; a plain setting named `mode` (scale.mode) merges like any other.
    const replaceWhole = isPlainObject(value) && isPlainObject(current) && 'mode' in value && value.mode !== current.mode
      && Object.keys(value).some((k) => !(k in current));
    out[key] = replaceWhole ? value : mergeDeep(current, value as DeepPartial<unknown>);
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
