import { z } from 'zod';

/** The environments the platform is deployed to, in promotion order. */
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/**
 * The sentence prod's `aurora.deletionProtectionOffConfirmation` must hold before deletion
 * protection can be turned off: a bare `false` (an override, a typo) is refused.
 */
export const PROD_DELETION_PROTECTION_OFF = 'I accept that terraform destroy deletes the prod database';

/** Fargate accepts only these cpu/memory pairs (MiB); anything else fails at RegisterTaskDefinition. */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

const awsAccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-2');
const s3BucketName = z
  .string()
  .regex(
    /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
  );
const logGroupName = z.string().regex(/^[\w\-./#]{1,512}$/, 'must be a CloudWatch log group name');
const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-8])$/, 'must be an IPv4 CIDR between /16 and /28');
/** A git branch name that is also safe inside an IAM pattern: no `*`, `?`, `$` or `..`. */
const branchName = z
  .string()
  .regex(/^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9_][A-Za-z0-9._/-]*$/, 'must be a branch name (letters, digits, . _ / -; no * ? $ or ..)');
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');

/** CPU units and memory (MiB) of one Fargate task. */
export const taskSizeSchema = z
  .object({
    /** vCPU units: 256 = 0.25 vCPU. */
    cpu: z.number().int(),
    /** Memory in MiB; must be a Fargate-supported pair with `cpu`. */
    memory: z.number().int(),
  })
  .strict()
  .superRefine((size, ctx) => {
    const allowed = FARGATE_MEMORY_BY_CPU[size.cpu];
    if (!allowed) {
      ctx.addIssue({
        code: 'custom',
        path: ['cpu'],
        message: `must be one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')} (Fargate cpu units)`,
      });
    } else if (!allowed.includes(size.memory)) {
      ctx.addIssue({
        code: 'custom',
        path: ['memory'],
        message: `must be one of ${allowed[0]}..${allowed[allowed.length - 1]} MiB for cpu ${size.cpu} (Fargate pairs)`,
      });
    }
  });

const createdNetwork = z
  .object({
    /** A new VPC is created with public subnets in `azCount` zones. */
    mode: z.literal('create'),
    /** The VPC's IPv4 range. */
    cidr,
    /** Availability zones to span (ALB and Aurora need at least 2). */
    azCount: z.number().int().min(2, 'must be ≥ 2 (the ALB and Aurora need two zones)').max(3),
    /** Private subnets for tasks and the database (otherwise tasks get public IPs). */
    privateSubnets: z.boolean(),
    /** A NAT gateway per VPC for private subnets (costs ~$33/month each). */
    natGateway: z.boolean(),
    /** Interface endpoints (ECR, logs, secrets, STS) instead of NAT for private subnets. */
    vpcEndpoints: z.boolean(),
  })
  .strict()
  .superRefine((net, ctx) => {
    if (!net.privateSubnets && (net.natGateway || net.vpcEndpoints)) {
      ctx.addIssue({
        code: 'custom',
        path: [net.natGateway ? 'natGateway' : 'vpcEndpoints'],
        message: 'requires privateSubnets: true',
      });
    }
    if (net.privateSubnets && !net.natGateway && !net.vpcEndpoints) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateSubnets'],
        message: 'needs natGateway or vpcEndpoints, or tasks cannot pull images',
      });
    }
  });

const existingNetwork = z
  .object({
    /** Reuse a VPC that already exists. */
    mode: z.literal('existing'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)'),
    /** Subnets for the ALB (public, in ≥ 2 zones). */
    publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)')).min(2),
    /** Subnets for tasks and the database; defaults to the public ones when empty. */
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)')),
  })
  .strict();

const WEEKDAY = '(MON|TUE|WED|THU|FRI|SAT|SUN)';

/** ICU's canonical zone names, listed once: most names are found here without building a formatter. */
let canonicalTimeZones: ReadonlySet<string> | undefined;

/**
 * IANA time zone names as Node's ICU knows them (the ones Application Auto Scaling accepts).
 * Canonical names are looked up in ICU's list (~2 ms); others (`UTC`, renamed zones such as
 * `Europe/Kyiv`) are tried on a formatter, whose locale data cost every config load ~30 ms.
 */
function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  canonicalTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalTimeZones.has(name)) return true;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * When the server and worker services run (non-production scale to zero): from `startHour` to
 * `stopHour` on `weekdays`, in `timezone`; 0 tasks otherwise. `null` = always on.
 */
export const scheduleSchema = z
  .object({
    /** IANA time zone the hours are in, e.g. `Europe/London` (daylight saving followed). */
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/London'),
    /** Days the services start, in cron's day-of-week syntax: `MON-FRI`, `MON,WED,FRI`. */
    weekdays: z
      .string()
      .regex(new RegExp(`^${WEEKDAY}(-${WEEKDAY})?(,${WEEKDAY}(-${WEEKDAY})?)*$`), 'must be days such as MON-FRI or MON,WED,FRI'),
    /** Hour (0–22) the services start. */
    startHour: z.number().int().min(0, 'must be an hour 0–22').max(22, 'must be an hour 0–22'),
    /** Hour (1–23) the services stop; after `startHour` on the same day. */
    stopHour: z.number().int().min(1, 'must be an hour 1–23').max(23, 'must be an hour 1–23'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.stopHour <= s.startHour) {
      ctx.addIssue({ code: 'custom', path: ['stopHour'], message: `must be after startHour (${s.startHour})` });
    }
  });

/**
 * How people and tasks reach the Prefect API. `cloudfront`: HTTPS on CloudFront's own name in front
 * of an internal ALB (or, with a `domain`, the ALB's HTTPS on it); `insecure-http`: the
 * internet-facing ALB over plain HTTP (dev only); `private`: no load balancer and no public URL at
 * all: the server registers a private DNS name (Cloud Map) the worker, flow runs and the deployer
 * task use, and people reach the UI through ECS Exec port forwarding (`platform-ops connect`). It
 * is dev's default: an ALB bills every hour it exists, which a schedule cannot stop.
 */
export const ENDPOINTS = ['cloudfront', 'insecure-http', 'private'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The Prefect server modes: one task with everything in process, or API servers + background services + Redis. */
export const SCALE_MODES = ['single', 'scale-out'] as const;
export type ScaleMode = (typeof SCALE_MODES)[number];

/** The managed Redis flavours of the scale-out mode. */
export const REDIS_KINDS = ['serverless', 'replication-group'] as const;

const replicaCount = (max: number) => z.number().int().min(1, `must be 1–${max}`).max(max, `must be 1–${max}`);

/**
 * How the Prefect server scales. `single` (the default, cheapest): one task runs the API and the
 * background services in process, no Redis. `scale-out`: API servers (`prefect server start
 * --no-services`) behind the ALB with target tracking, background services as their own service
 * (`prefect server services start`), Redis (ElastiCache) for messaging, ordering, lease storage and
 * Docket, as Prefect 3.8.3 documents self-hosted scaling. The other fields are used only in
 * `scale-out` (except `auroraReader`), so switching is one setting: `PLATFORM_SCALE__MODE=scale-out`.
 */
export const scaleSchema = z
  .object({
    mode: z.enum(SCALE_MODES, { message: `must be one of ${SCALE_MODES.join(', ')}` }),
    /** The API servers: replicas between `minReplicas` and `maxReplicas`, tracking both targets. */
    api: z
      .object({
        minReplicas: replicaCount(20),
        maxReplicas: replicaCount(20),
        /** Target ALB requests per task per minute (`ALBRequestCountPerTarget`). */
        requestsPerTarget: z.number().int().min(10, 'must be 10–100000 requests per minute').max(100000, 'must be 10–100000 requests per minute'),
        /** Target average CPU of the API tasks in % (`ECSServiceAverageCPUUtilization`). */
        cpuPercent: z.number().int().min(10, 'must be 10–90 %').max(90, 'must be 10–90 %'),
      })
      .strict()
      .superRefine((a, ctx) => {
        if (a.maxReplicas < a.minReplicas) ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `must be ≥ minReplicas (${a.minReplicas})` });
      }),
    /** Background-services tasks (coordinated through Docket on Redis, so more than one is safe); they use the `server` task size. */
    services: z.object({ replicas: replicaCount(10) }).strict(),
    redis: z
      .object({
        /** `serverless`: ElastiCache Serverless (multi-AZ, billed per GB-hour and ECPU); `replication-group`: a primary node (+ `replicas`). */
        kind: z.enum(REDIS_KINDS, { message: `must be one of ${REDIS_KINDS.join(', ')}` }),
        /** Valkey is ElastiCache's cheaper Redis-compatible engine; `redis` = Redis OSS 7. */
        engine: z.enum(['valkey', 'redis'], { message: 'must be valkey or redis' }),
        /** Node type of a `replication-group`. */
        nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.t4g.micro'),
        /** Replicas beside the primary of a `replication-group`; ≥ 1 adds a second AZ and automatic failover. */
        replicas: z.number().int().min(0, 'must be 0–5').max(5, 'must be 0–5'),
        /** Ceiling of a `serverless` cache's stored data in GB (caps its bill). */
        maxStorageGb: z.number().int().min(1, 'must be 1–5000 GB').max(5000, 'must be 1–5000 GB'),
        /** Ceiling of a `serverless` cache's ECPU per second. */
        maxEcpuPerSecond: z.number().int().min(1000, 'must be 1000–15000000').max(15000000, 'must be 1000–15000000'),
      })
      .strict(),
    /** An Aurora reader instance in a second AZ (failover target, either mode). */
    auroraReader: z.boolean(),
  })
  .strict();

/** The whole validated configuration of one environment. */
export const platformConfigSchema = z
  .object({
    env: z.enum(ENVIRONMENTS),
    /** Project name; prefixes resource names and the `project` tag. */
    project: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be lowercase letters, digits and hyphens'),
    aws: z.object({ accountId: awsAccountId, region: awsRegion }).strict(),
    network: z.discriminatedUnion('mode', [createdNetwork, existingNetwork]),
    /** Public DNS name of the Prefect UI/API; without it the ALB serves plain HTTP. */
    domain: z
      .object({
        name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS name such as prefect.example.com'),
        hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,31}$/, 'must be a Route 53 hosted zone id (Z…)'),
      })
      .strict()
      .optional(),
    /**
     * How the API is served (see {@link ENDPOINTS}): `cloudfront` = HTTPS on CloudFront's own
     * certificate and *.cloudfront.net name, the ALB internal behind it (a VPC origin);
     * `insecure-http` = the internet-facing ALB over plain HTTP, basic auth in clear text (dev only);
     * `private` = no ALB, a private DNS name inside the VPC, ECS Exec port forwarding for people.
     * With a `domain` the ALB serves HTTPS on it and this must stay `cloudfront`.
     */
    endpoint: z.enum(ENDPOINTS, { message: `must be one of ${ENDPOINTS.join(', ')}` }),
    ecs: z
      .object({
        clusterName: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be letters, digits, - or _'),
        containerInsights: z.boolean(),
      })
      .strict(),
    server: taskSizeSchema,
    worker: taskSizeSchema,
    deployer: taskSizeSchema,
    /**
     * V8 heap cap of the deployer task in MiB (`--max-old-space-size`). Sized from the benchmark
     * apps/flows-deployer/bench/apply-10000-memory.ts: 10,000 deployments apply under a 192 MiB
     * heap at well under 256 MiB peak RSS; at least 128 MiB of `deployer.memory` stay outside the
     * heap (code, buffers, the runtime).
     */
    deployerHeapMiB: z.number().int().min(64, 'must be at least 64 MiB'),
    /** Default size of the flow-run tasks the worker launches. */
    flowRun: taskSizeSchema,
    aurora: z
      .object({
        engineVersion: z.string().regex(/^15\.\d+$/, 'must be an Aurora PostgreSQL 15.x version'),
        /** 0 lets the cluster pause once nothing connects (needs `secondsUntilAutoPause`). */
        minAcu: z.number().min(0, 'must be ≥ 0').max(256).multipleOf(0.5, 'must be a multiple of 0.5'),
        maxAcu: z.number().min(1, 'must be ≥ 1').max(256).multipleOf(0.5, 'must be a multiple of 0.5'),
        databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a PostgreSQL identifier'),
        backupRetentionDays: z.number().int().min(1).max(35),
        deletionProtection: z.boolean(),
        /** Prod only: deletion protection may be off only when this holds {@link PROD_DELETION_PROTECTION_OFF}. */
        deletionProtectionOffConfirmation: z.string().optional(),
        performanceInsightsRetentionDays: z.union([z.literal(7), z.literal(31), z.literal(731)]),
        /** Idle seconds before the cluster pauses (AWS allows 300–86400); used only when `minAcu` is 0. */
        secondsUntilAutoPause: z.number().int().min(300, 'must be 300–86400 seconds').max(86400, 'must be 300–86400 seconds').optional(),
      })
      .strict()
      .superRefine((a, ctx) => {
        if (a.minAcu === 0 && a.secondsUntilAutoPause === undefined) {
          ctx.addIssue({ code: 'custom', path: ['secondsUntilAutoPause'], message: 'is required when minAcu is 0 (how long idle before the cluster pauses)' });
        }
        if (a.maxAcu < a.minAcu) {
          ctx.addIssue({ code: 'custom', path: ['maxAcu'], message: `must be ≥ minAcu (${a.minAcu})` });
        }
      }),
    prefect: z
      .object({
        workPool: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and hyphens'),
        workQueue: z.string().min(1),
        /** Basic-auth user name for the API; the password is generated into Secrets Manager. */
        apiAuthUser: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be letters, digits, _ . or -'),
      })
      .strict(),
    image: z
      .object({
        repository: z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, 'must be an ECR repository name'),
        tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a Docker tag'),
        /** Digest of the Prefect image the server and worker run (else infra takes it from --image-result). */
        digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>').optional(),
        /** Digest of the flows-deployer image the deployer task runs (else from --image-result). */
        deployerDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>').optional(),
      })
      .strict(),
    logs: z
      .object({
        api: logGroupName,
        worker: logGroupName,
        deployer: logGroupName,
        /** Where the worker's flow-run tasks log. */
        flowRuns: logGroupName,
        retentionDays: z.union(
          [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map(
            (d) => z.literal(d),
          ) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>],
        ),
      })
      .strict(),
    iam: z
      .object({
        pipelineRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'),
        /** Seconds; AWS allows 3600–43200. */
        pipelineRoleMaxSessionSeconds: z.number().int().min(3600).max(43200),
        /** Principals (role/user ARNs) that may assume the pipeline role besides the flow runs. */
        adminPrincipalArns: z.array(z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:(role|user|root)/, 'must be an IAM ARN')),
      })
      .strict(),
    buckets: z
      .object({
        cache: s3BucketName,
        kitInstructions: s3BucketName,
        designFiles: s3BucketName,
        raw: s3BucketName,
        clean: s3BucketName,
        website: s3BucketName,
        /** Flow code and results storage, created by infra. */
        flowStorage: s3BucketName,
      })
      .strict(),
    circleci: z
      .object({
        organizationId: uuid,
        projectId: uuid,
        /** The repository as CircleCI's OIDC token names it (`vcs-origin`): `github.com/<owner>/<repo>`. */
        vcsOrigin: z
          .string()
          .regex(/^[a-z0-9.-]+\.[a-z]{2,}(\/[A-Za-z0-9_.-]+){2,}$/, 'must be a repository URL without scheme, e.g. github.com/acme/blog-data'),
        /** Branch whose pushes deploy this environment; the only one that may assume the deploy role. */
        deployBranch: branchName,
        /** Branches whose jobs may assume the ECR push role. */
        publishBranches: z.array(branchName).min(1),
        /** Whether a person must approve the deploy job. */
        requireApproval: z.boolean(),
        /**
         * Seconds the deploy job's AWS session lasts: the CI roles' MaxSessionDuration and the
         * aws-cli orb's session_duration. AWS allows 3600–43200.
         */
        sessionSeconds: z.number().int().min(3600).max(43200),
      })
      .strict(),
    state: z
      .object({
        /** S3 bucket that holds terraform state (created by the bootstrap stack). */
        bucket: s3BucketName,
        keyPrefix: z.string().regex(/^[\w./-]+$/, 'must be an S3 key prefix'),
      })
      .strict(),
    alarms: z
      .object({
        /** Where alarm e-mails go; omit for SNS only. */
        email: z.email('must be an e-mail address').optional(),
        /**
         * Secrets Manager secret (name) holding an HTTPS webhook URL (PagerDuty, Opsgenie, Slack…)
         * the alarm topic posts to; created by a person, never in git. Must be `<project>-<env>/…`.
         */
        webhookSecretName: z.string().regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name').optional(),
      })
      .strict(),
    /** Working hours of the server and worker services; `null` = always on (prod's default). */
    schedule: scheduleSchema.nullable(),
    /** Single server (default) or scaled out with Redis; see {@link scaleSchema}. */
    scale: scaleSchema,
    tags: z.record(z.string().regex(/^[\w .:/=+\-@]{1,128}$/, 'must be a valid AWS tag key'), z.string().max(256)),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.endpoint === 'insecure-http' && c.env !== 'dev') {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `${c.env} serves the API over HTTPS only: set domain (Route 53) or endpoint "cloudfront" (no domain needed)`,
      });
    }
    if (c.endpoint !== 'cloudfront' && c.domain) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `"${c.endpoint}" contradicts domain (the ALB serves HTTPS on it): set endpoint "cloudfront" or remove domain` });
    }
    if (c.env === 'prod' && !c.aurora.deletionProtection && c.aurora.deletionProtectionOffConfirmation !== PROD_DELETION_PROTECTION_OFF) {
      ctx.addIssue({
        code: 'custom',
        path: ['aurora', 'deletionProtection'],
        message: `false in prod needs aurora.deletionProtectionOffConfirmation = "${PROD_DELETION_PROTECTION_OFF}"`,
      });
    }
    c.iam.adminPrincipalArns.forEach((arn, i) => {
      // A trust to another account is how a role leaks out of the environment (issue #12).
      if (!arn.includes(`:iam::${c.aws.accountId}:`)) {
        ctx.addIssue({ code: 'custom', path: ['iam', 'adminPrincipalArns', i], message: `must be a principal of this account (${c.aws.accountId})` });
      }
    });
    if (c.tags.environment !== c.env) {
      // The deploy role's EC2, KMS and secret permissions are conditioned on this tag.
      ctx.addIssue({ code: 'custom', path: ['tags', 'environment'], message: `must be "${c.env}" (the deploy role's permissions are conditioned on it)` });
    }
    if (c.deployerHeapMiB + 128 > c.deployer.memory) {
      ctx.addIssue({ code: 'custom', path: ['deployerHeapMiB'], message: `must leave 128 MiB of deployer.memory (${c.deployer.memory}) outside the heap` });
    }
    for (const [key, group] of Object.entries({
      api: c.logs.api,
      worker: c.logs.worker,
      deployer: c.logs.deployer,
      flowRuns: c.logs.flowRuns,
    })) {
      if (!group.startsWith(`/ecs/${c.env}/`)) {
        ctx.addIssue({ code: 'custom', path: ['logs', key], message: `must start with /ecs/${c.env}/` });
      }
    }
    const webhook = c.alarms.webhookSecretName;
    if (webhook !== undefined && !webhook.startsWith(`${c.project}-${c.env}/`)) {
      ctx.addIssue({ code: 'custom', path: ['alarms', 'webhookSecretName'], message: `must start with ${c.project}-${c.env}/ (the platform's secrets)` });
    }
    const names = Object.entries(c.buckets);
    const seen = new Map<string, string>();
    for (const [key, name] of names) {
      const other = seen.get(name);
      if (other) {
        ctx.addIssue({ code: 'custom', path: ['buckets', key], message: `duplicates buckets.${other} (${name})` });
      }
      seen.set(name, key);
    }
  });

/** Settings as written in `environments/*.ts`, before validation. */
export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
/** Validated settings of one environment. */
export type PlatformConfig = z.output<typeof platformConfigSchema>;
/** When an environment's services run. */
export type ServiceSchedule = z.output<typeof scheduleSchema>;
/** How the Prefect server scales. */
export type ScaleSettings = z.output<typeof scaleSchema>;
/** A Fargate task size. */
export type TaskSize = z.output<typeof taskSizeSchema>;
