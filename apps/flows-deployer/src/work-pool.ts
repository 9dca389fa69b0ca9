import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '@blog-data/cli-kit';
import type { PlatformConfig } from '@blog-data/config';
import type { Schemas } from '@blog-data/prefect-api';
import { deepEqual, diffValues, FieldChange, isPlainObject } from './diff';
import type { PoolOutputs } from './infra-outputs';

/** The Prefect worker type whose default template we start from. */
export const WORK_POOL_TYPE = 'ecs';
/** The ECS worker's default base job template as Prefect 3.8.3 ships it (prefect-aws), copied into this app. */
export const ECS_BASE_TEMPLATE_FILE = path.join(__dirname, '..', 'templates', 'ecs-base-job-template-3.8.3.json');

/** A work pool base job template: `job_configuration` plus JSON-schema `variables` whose defaults we fill. */
export interface JobTemplate {
  readonly job_configuration: Record<string, unknown>;
  readonly variables: { readonly properties: Record<string, Record<string, unknown>>; readonly [key: string]: unknown };
}

/** Our defaults for every flow run, named as the 3.8.3 ECS template names its variables. */
export interface EcsJobDefaults {
  readonly cluster: string;
  readonly vpc_id: string;
  readonly network_configuration: {
    readonly awsvpcConfiguration: {
      readonly subnets: readonly string[];
      readonly securityGroups: readonly string[];
      readonly assignPublicIp: 'ENABLED' | 'DISABLED';
    };
  };
  readonly execution_role_arn: string;
  readonly task_role_arn: string;
  readonly image: string;
  /** The worker injects this secret as PREFECT_API_AUTH_STRING into flow-run containers. */
  readonly prefect_api_auth_string_secret_arn: string;
  readonly configure_cloudwatch_logs: boolean;
  readonly cloudwatch_logs_options: Readonly<Record<string, string>>;
  readonly cpu: number;
  readonly memory: number;
}

/** Prefix of flow-run log streams: `flow-runs/<container>/<task id>`. */
export const FLOW_RUN_LOG_STREAM_PREFIX = 'flow-runs';

/** Reads the committed ECS base template. */
export function loadEcsBaseTemplate(file = ECS_BASE_TEMPLATE_FILE): JobTemplate {
  return JSON.parse(readFileSync(file, 'utf8')) as JobTemplate;
}

/** Our job defaults from config and the platform outputs. */
export function ecsJobDefaults(config: PlatformConfig, outputs: PoolOutputs, image: string): EcsJobDefaults {
  return {
    cluster: outputs.ecsClusterArn,
    vpc_id: outputs.vpcId,
    network_configuration: {
      awsvpcConfiguration: {
        subnets: [...outputs.taskSubnetIds],
        securityGroups: [outputs.flowRunSecurityGroupId],
        // Tasks in public subnets without a public IP cannot pull from ECR (no NAT).
        assignPublicIp: outputs.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    execution_role_arn: outputs.executionRoleArn,
    task_role_arn: outputs.flowRunTaskRoleArn,
    image,
    prefect_api_auth_string_secret_arn: outputs.apiAuthSecretArn,
    configure_cloudwatch_logs: true,
    cloudwatch_logs_options: {
      'awslogs-group': outputs.logGroupFlowRuns,
      'awslogs-region': config.aws.region,
      'awslogs-stream-prefix': FLOW_RUN_LOG_STREAM_PREFIX,
    },
    cpu: config.flowRun.cpu,
    memory: config.flowRun.memory,
  };
}

/**
 * Fills the template's variable defaults with ours. Throws when the template lacks a
 * variable: a newer worker template that renamed one must fail loudly, not silently drop it.
 */
export function renderEcsJobTemplate(base: JobTemplate, defaults: EcsJobDefaults): JobTemplate {
  const template = JSON.parse(JSON.stringify(base)) as JobTemplate;
  const props = template.variables?.properties;
  if (!isPlainObject(props) || !isPlainObject(template.job_configuration)) {
    throw new UserError('the ECS base job template has no job_configuration/variables.properties', ECS_BASE_TEMPLATE_FILE);
  }
  const missing = Object.keys(defaults).filter((k) => !(k in props));
  if (missing.length > 0) {
    throw new UserError(
      `the ECS base job template has no variable(s) ${missing.join(', ')}`,
      ECS_BASE_TEMPLATE_FILE,
      'the worker template changed; update the template file and EcsJobDefaults together',
    );
  }
  for (const [key, value] of Object.entries(defaults)) {
    props[key] = { ...props[key], default: JSON.parse(JSON.stringify(value)) };
  }
  return template;
}

/** What to do about the work pool. */
export interface WorkPoolPlan {
  readonly name: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** Template paths that differ (update only). */
  readonly changes: readonly FieldChange[];
  /** The template we want on the server. */
  readonly baseJobTemplate: JobTemplate;
}

/**
 * Compares the pool we want with the server's. Only the base job template is ours: pause
 * state, concurrency limit and storage are left to operators, so they never show as changes.
 */
export function planWorkPool(name: string, template: JobTemplate, actual: Schemas['WorkPoolResponse'] | undefined): WorkPoolPlan {
  if (!actual) return { name, action: 'create', changes: [], baseJobTemplate: template };
  if (actual.type !== WORK_POOL_TYPE) {
    throw new UserError(
      `work pool ${name} exists with type "${actual.type}", not "${WORK_POOL_TYPE}"`,
      `work_pools/${name}`,
      'a pool\'s type cannot change: delete it in the Prefect UI (its deployments keep their names) or choose another prefect.workPool',
    );
  }
  const current = actual.base_job_template ?? {};
  if (deepEqual(current, template)) return { name, action: 'unchanged', changes: [], baseJobTemplate: template };
  return { name, action: 'update', changes: diffValues(current, template), baseJobTemplate: template };
}
