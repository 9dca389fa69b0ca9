import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { FargateTask, PrefectTaskProps } from './fargate-task';

/** Properties of {@link DeployerTask}. */
export interface DeployerTaskProps extends PrefectTaskProps {
  /** Prefect API URL, `<public url>/api`. Required. */
  readonly apiUrl: string;
  /** Secret holding the basic-auth string `user:password`. Required. */
  readonly apiAuthSecretArn: string;
  /** Environment name, passed as PLATFORM_ENV. Required. */
  readonly env: string;
  /** Platform outputs (name → value or token) the deployer renders the work pool from. Required. */
  readonly infraOutputs: Readonly<Record<string, unknown>>;
  /** V8 heap cap in MiB (config `deployerHeapMiB`); the rest of `memory` is left to code and buffers. Required. */
  readonly heapMiB: number;
}

/**
 * A task definition without a service: `apps/flows-deployer` run once per
 * deploy (`aws ecs run-task` with the worker's network settings), so flow
 * registration happens inside the VPC with the platform's own credentials.
 * The command comes from the run (`apply`, `plan`); the image's default otherwise.
 */
export class DeployerTask extends Construct {
  /** Task definition. */
  readonly task: FargateTask;

  constructor(scope: Construct, id: string, props: DeployerTaskProps) {
    super(scope, id);
    if (!props.apiUrl.endsWith('/api')) {
      throw new Error(`DeployerTask.apiUrl: "${props.apiUrl}" must end with /api`);
    }
    if (props.heapMiB + 128 > props.memory) {
      throw new Error(`DeployerTask.heapMiB: ${props.heapMiB} must leave 128 MiB of memory (${props.memory}) outside the heap`);
    }
    this.task = new FargateTask(this, 'task', {
      family: `${props.namePrefix}-deployer`,
      cpu: props.cpu,
      memory: props.memory,
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      container: {
        name: 'flows-deployer',
        image: props.image,
        environment: {
          PREFECT_API_URL: props.apiUrl,
          PLATFORM_ENV: props.env,
          // The image's NODE_OPTIONS plus a heap cap: V8 then collects before the task hits its memory limit.
          NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${props.heapMiB}`,
          // Base64 because the value lands inside the container-definitions JSON text, where the
          // quotes of plain JSON would break it; flows-deployer reads the `base64:` form.
          FLOWS_DEPLOYER_INFRA_OUTPUTS: `base64:${Fn.base64encode(Fn.jsonencode(props.infraOutputs))}`,
        },
        secrets: { PREFECT_API_AUTH_STRING: props.apiAuthSecretArn },
        logGroup: props.logGroup,
        region: props.region,
      },
    });
  }
}
