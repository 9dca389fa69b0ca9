import { readFileSync } from 'node:fs';
import { EXIT, Problem, UserError } from '@blog-data/cli-kit';
import { z } from 'zod';
import { PARSE_ONCE } from './parse-once';
import { ENDPOINTS } from './schema';

/*
 * The contracts between packages, as zod schemas: infra builds every platform output (a
 * `Record` over the schema's keys, so a missing one fails to compile), image-builder writes the
 * image result; consumers `.pick()` the fields they read and parse with the result, so a missing
 * or mistyped field is one clear line naming the file and the field. Values are ids, ARNs and
 * names only, never secrets.
 */

const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[\\w-]*:${service}:`), `must be an ${service} ARN (arn:aws:${service}:…)`);
const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http(s) URL');
const awsId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-[0-9a-f]+$`), `must be a ${prefix}-… id`);
const logGroup = z.string().regex(/^\/[\w\-./#]+$/, 'must be a CloudWatch log group name (/…)');
/** `host[:port]/path` of an image repository, without scheme or tag. */
const repositoryUrl = z.string().regex(/^[^\s/@]+\/[a-z0-9]+(?:[._/-][a-z0-9]+)*$/, 'must be <registry host>/<repository>');
/** `sha256:<64 hex>`: an image manifest digest. */
export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;
const sha256 = z.string().regex(IMAGE_DIGEST, 'must be sha256:<64 hex>');
const pinnedImage = z.string().regex(/^[^\s@]+@sha256:[0-9a-f]{64}$/, 'must be <repository>@sha256:<64 hex>');
const dockerTag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a Docker tag');

/** The platform stack's terraform outputs. */
export const platformOutputsSchema = z.object({
  endpoint: z.enum(ENDPOINTS, { message: `must be one of ${ENDPOINTS.join(', ')}` })
    .describe('How the API is reached: cloudfront or insecure-http (public URL), private (VPC-only name; people use platform-ops connect)'),
  prefect_url: httpUrl.describe('Prefect UI base URL (with a private endpoint: the VPC-only name)'),
  prefect_api_url: httpUrl.regex(/\/api$/, 'must end in /api').describe('Prefect API URL (PREFECT_API_URL)'),
  alb_dns_name: z.string().min(1, 'must not be empty').optional().describe('DNS name of the load balancer (none with a private endpoint)'),
  ecs_cluster_arn: arn('ecs').describe('ECS cluster ARN'),
  ecs_cluster_name: z.string().min(1, 'must not be empty').describe('ECS cluster name'),
  vpc_id: awsId('vpc').describe('VPC id'),
  task_subnet_ids: z.array(awsId('subnet')).min(1, 'must list at least one subnet').describe('Subnets of ECS tasks'),
  assign_public_ip: z.boolean().describe('Whether tasks need a public IP (public subnets)'),
  server_security_group_id: awsId('sg').describe('Security group of the Prefect server'),
  worker_security_group_id: awsId('sg').describe('Security group of the worker and the deployer task'),
  flow_run_security_group_id: awsId('sg').describe('Security group of flow-run tasks'),
  execution_role_arn: arn('iam').describe('ECS task execution role'),
  worker_task_role_arn: arn('iam').describe('Task role of the worker'),
  flow_run_task_role_arn: arn('iam').describe('Task role of flow runs'),
  deployer_task_role_arn: arn('iam').describe('Task role of the deployer task'),
  ecr_repository_url: repositoryUrl.describe('Image repository URI'),
  ecr_repository_name: z.string().min(1, 'must not be empty').describe('Image repository name'),
  api_auth_secret_arn: arn('secretsmanager').describe('Secret holding the API basic-auth string user:password'),
  database_secret_arn: arn('secretsmanager').describe('RDS-managed secret of the database master user'),
  log_group_api: logGroup.describe('Log group of the Prefect server'),
  log_group_worker: logGroup.describe('Log group of the worker'),
  log_group_deployer: logGroup.describe('Log group of the deployer task'),
  log_group_flow_runs: logGroup.describe('Log group of flow runs'),
  deployer_task_definition_arn: arn('ecs').describe('Deployer task definition'),
  flow_storage_bucket: z.string().min(3, 'must be an S3 bucket name').describe('Flow code and results bucket'),
  alarm_topic_arn: arn('sns').describe('SNS topic of the alarms'),
  server_service_name: z.string().min(1, 'must not be empty').describe('ECS service of the Prefect server'),
  server_task_definition_arn: arn('ecs').describe('Newest server task definition; the release step moves the service to it after the migration'),
  services_service_name: z.string().min(1, 'must not be empty').optional().describe('Scale-out only: ECS service of the background services (prefect server services start)'),
  services_task_definition_arn: arn('ecs').optional().describe('Scale-out only: newest background-services task definition; the release moves the service to it after the migration'),
  migration_task_definition_arn: arn('ecs').describe('One-off task: prefect server database upgrade -y'),
  migration_container_name: z.string().min(1, 'must not be empty').describe('Container of the migration task'),
  prefect_image: pinnedImage.describe('Image the server and worker run (repository@sha256:…)'),
  deployer_image: pinnedImage.describe('Image of the deployer task (repository@sha256:…)'),
});

/** Every platform output, typed. */
export type PlatformOutputs = z.output<typeof platformOutputsSchema>;
/** Name of one platform-stack output. */
export type PlatformOutputName = keyof PlatformOutputs;

/** The bootstrap (account-level) stack's terraform outputs. */
export const bootstrapOutputsSchema = z.object({
  state_bucket: z.string().min(3, 'must be an S3 bucket name').describe('Terraform state bucket (S3 backend, native locking)'),
  kms_key_arn: arn('kms').describe('KMS key of the state bucket and the registry'),
  circleci_oidc_provider_arn: arn('iam').describe('CircleCI OIDC identity provider'),
  ecr_repository_url: repositoryUrl.describe('Image repository URI'),
  ecr_push_role_arn: arn('iam').describe('Role CircleCI assumes to push images'),
  deploy_role_arn: arn('iam').describe('Role CircleCI assumes to deploy'),
});

/** Every bootstrap output, typed. */
export type BootstrapOutputs = z.output<typeof bootstrapOutputsSchema>;
/** Name of one bootstrap-stack output. */
export type BootstrapOutputName = keyof BootstrapOutputs;

/** The one-line description of an output, as terraform shows it (from the schema). */
export function outputDescription(schema: z.ZodObject, name: string): string {
  return (schema.shape as Record<string, z.ZodType>)[name]?.description ?? name;
}

/**
 * What image-builder writes with `publish --output` (and the deployer, infra and CI read): the
 * image pushed and verified, by digest.
 */
export const imageResultSchema = z.object({
  /** The image's directory under docker/. */
  image: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be an image name (a directory under docker/)'),
  /** `host[:port]/repository`. */
  repository: repositoryUrl,
  /** The immutable content tag (`src-<hash>`). */
  tag: dockerTag,
  /** Every tag the image has in the registry (the content tag, the rolling tag, extras). */
  tags: z.array(dockerTag).min(1, 'must list at least one tag'),
  /** The manifest digest in the registry. */
  digest: sha256,
  /** `repository@digest`: what task definitions and flow runs pin. */
  reference: pinnedImage,
  /** Verified from the registry. */
  platform: z.literal('linux/amd64', 'must be linux/amd64'),
});

/** The image result, typed. */
export type ImageResult = z.output<typeof imageResultSchema>;

/** How to write each kind of file, for the fix part of an error. */
const HOW_TO_WRITE = {
  outputs: 'write it with `node packages/infra/bin/platform-infra.js output --outputs-file FILE` (the platform stack\'s terraform output -json)',
  image: 'pass the file `image-builder publish --output FILE` wrote after a push',
} as const;

/** What a contract file holds, for messages. */
export type ContractKind = keyof typeof HOW_TO_WRITE;

/**
 * Turns `terraform output -json` (`{name: {value, type, sensitive}}`) into `{name: value}`; a
 * map that is already flat passes through. Throws when `parsed` is not a JSON object.
 */
export function flattenTerraformOutputs(parsed: unknown, source = 'infra outputs'): Record<string, unknown> {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError('infra outputs must be a JSON object', source, HOW_TO_WRITE.outputs, { exitCode: EXIT.usage, kind: 'contract' });
  }
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    // Both `value` and terraform's own `type`/`sensitive`: a flat value that happens to be an
    // object with a `value` key is not mistaken for a wrapper.
    const wrapped =
      typeof entry === 'object' && entry !== null && !Array.isArray(entry) && 'value' in entry && ('type' in entry || 'sensitive' in entry);
    out[name] = wrapped ? (entry as { value: unknown }).value : entry;
  }
  return out;
}

/**
 * Validates infra outputs (already read: terraform shape or flat) with `schema`, usually
 * `platformOutputsSchema.pick({...})` of the fields the caller reads. Throws a {@link UserError}
 * with one problem per missing or mistyped field, naming `source` (the file or variable).
 */
export function parseInfraOutputs<S extends z.ZodObject>(schema: S, parsed: unknown, source: string): z.output<S> {
  return parseContract(schema, flattenTerraformOutputs(parsed, source), source, 'outputs');
}

/** Reads and validates an infra outputs file (see {@link parseInfraOutputs}). */
export function readInfraOutputsFile<S extends z.ZodObject>(schema: S, file: string): z.output<S> {
  return parseInfraOutputs(schema, readJsonFile(file, 'infra outputs', 'outputs'), file);
}

/** Reads and validates an image result file; `schema` may be a `.pick()` of {@link imageResultSchema}. */
export function readImageResultFile<S extends z.ZodObject>(schema: S, file: string): z.output<S> {
  return parseContract(schema, readJsonFile(file, 'image result', 'image'), file, 'image');
}

/** Validates a value against a contract schema, one problem per field. */
export function parseContract<S extends z.ZodObject>(schema: S, value: unknown, source: string, kind: ContractKind): z.output<S> {
  const result = schema.safeParse(value, PARSE_ONCE);
  if (result.success) return result.data;
  const data = (value ?? {}) as Record<string, unknown>;
  const problems: Problem[] = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(document)';
    // A cross-field rule (`custom`) says its own words even about a field that is absent.
    const missing = issue.code !== 'custom' && issue.path.length === 1 && data[String(issue.path[0])] === undefined;
    return { what: `${field}: ${missing ? 'missing' : issue.message}`, where: source, fix: HOW_TO_WRITE[kind] };
  });
  throw new UserError(`${source} does not hold valid ${kind === 'image' ? 'image result' : 'infra outputs'}`, source, HOW_TO_WRITE[kind], {
    exitCode: EXIT.usage,
    kind: 'contract',
    problems,
  });
}

/** A JSON file, or a usage error naming it. */
export function readJsonFile(file: string, what: string, kind: ContractKind): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(missing ? `${what} file not found` : `cannot read the ${what} file`, file, HOW_TO_WRITE[kind], { exitCode: EXIT.usage, kind: 'contract' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${what} file is not JSON (${(err as Error).message})`, file, HOW_TO_WRITE[kind], { exitCode: EXIT.usage, kind: 'contract' });
  }
}
