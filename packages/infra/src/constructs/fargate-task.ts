import { FARGATE_MEMORY_BY_CPU } from '@blog-data/config';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { Construct } from 'constructs';
import { containerDefinitions, ContainerSpec } from './container';

/** Properties of {@link FargateTask}. */
export interface FargateTaskProps {
  /** Task definition family, e.g. `blog-data-dev-server`. Required. */
  readonly family: string;
  /** vCPU units (256 = 0.25 vCPU). Required. */
  readonly cpu: number;
  /** Memory in MiB, a Fargate pair with `cpu`. Required. */
  readonly memory: number;
  /** Role ECS uses to pull the image, read the secrets and write logs. Required. */
  readonly executionRoleArn: string;
  /** Role the container's own AWS calls use. Required. */
  readonly taskRoleArn: string;
  /** The one container. Required. */
  readonly container: ContainerSpec;
}

/** What every Prefect task of the platform (server, worker, deployer) is given. */
export interface PrefectTaskProps {
  /** Prefix of names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** Image reference (tag or digest). Required. */
  readonly image: string;
  /** vCPU units, from config (`server`, `worker`, `deployer`). Required. */
  readonly cpu: number;
  /** Memory in MiB. Required. */
  readonly memory: number;
  /** Execution role ARN (pull, secrets, logs). Required. */
  readonly executionRoleArn: string;
  /** Task role ARN: what the container's own AWS calls may do. Required. */
  readonly taskRoleArn: string;
  /** Log group name. Required. */
  readonly logGroup: string;
  /** AWS region. Required. */
  readonly region: string;
}

/** A Fargate task definition (linux/amd64, awsvpc) with one container. */
export class FargateTask extends Construct {
  /** The task definition. */
  readonly definition: EcsTaskDefinition;

  constructor(scope: Construct, id: string, props: FargateTaskProps) {
    super(scope, id);
    const allowed = FARGATE_MEMORY_BY_CPU[props.cpu];
    if (!allowed) {
      throw new Error(`FargateTask.cpu: ${props.cpu} must be one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}`);
    }
    if (!allowed.includes(props.memory)) {
      throw new Error(`FargateTask.memory: ${props.memory} must be one of ${allowed.join(', ')} for cpu ${props.cpu}`);
    }
    this.definition = new EcsTaskDefinition(this, 'definition', {
      family: props.family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu),
      memory: String(props.memory),
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      // The image is built for linux/amd64 (image-builder verifies it).
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      containerDefinitions: containerDefinitions(props.container),
    });
  }
}
