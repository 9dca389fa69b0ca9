import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Construct } from 'constructs';
import { Role } from './role';
import { arnFor, ArnScope, serviceTrustPolicy } from '../policy';

/** Properties of {@link DatabaseRotationRestart}. */
export interface DatabaseRotationRestartProps extends ArnScope {
  /** Prefix of names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ARN of the RDS-managed master secret whose rotation is watched. Required. */
  readonly secretArn: string;
  /** ECS cluster name. Required. */
  readonly clusterName: string;
  /** Services that read the secret at task start and must be restarted, e.g. `['prefect-server']`. Required. */
  readonly serviceNames: readonly string[];
  /** Permissions boundary of the two roles. Default none. */
  readonly permissionsBoundary?: string;
  /**
   * Write the SDK parameters with botocore's member names (`cluster`, `service`) instead of the
   * Step Functions ones (`Cluster`, `Service`): moto 5.2.1's interpreter does not normalise them.
   * Emulator only. Default false.
   */
  readonly emulatorParameterNames?: boolean;
}

/**
 * The event that follows a finished rotation of the database secret: Secrets Manager logs
 * `RotationSucceeded` (a CloudTrail service event, `additionalEventData.SecretId` = the ARN)
 * once AWSCURRENT holds the new password, which RDS set on the cluster before. Earlier steps
 * (`PutSecretValue` of AWSPENDING) are not matched: a restart then would read the old value.
 */
export function rotationSucceededPattern(secretArn: string): Record<string, unknown> {
  return {
    'source': ['aws.secretsmanager'],
    'detail-type': ['AWS Service Event via CloudTrail'],
    'detail': {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: ['RotationSucceeded'],
      additionalEventData: { SecretId: [secretArn] },
    },
  };
}

/**
 * Keeps the server working across password rotations. Aurora's RDS-managed master password
 * rotates every 7 days and ECS injects secrets only when a task starts, so a running server
 * would fail its next new database connection. An EventBridge rule on the secret's
 * `RotationSucceeded` starts a one-step state machine that calls `ecs:UpdateService` with
 * `forceNewDeployment` for each service: the new task reads the new password at start.
 * No code to package (Step Functions calls the ECS API itself), and retried on throttling.
 */
export class DatabaseRotationRestart extends Construct {
  /** The rule matching the rotation event. */
  readonly rule: CloudwatchEventRule;
  /** The state machine that restarts the services. */
  readonly stateMachine: SfnStateMachine;

  constructor(scope: Construct, id: string, props: DatabaseRotationRestartProps) {
    super(scope, id);
    if (props.serviceNames.length === 0) throw new Error('DatabaseRotationRestart.serviceNames: at least one service is required');
    const name = `${props.namePrefix}-restart-on-db-rotation`;
    const serviceArns = props.serviceNames.map((s) => arnFor(props, 'ecs', `service/${props.clusterName}/${s}`));

    const machineRole = new Role(this, 'machine-role', {
      roleName: `${props.namePrefix}-db-rotation-restart`,
      description: 'Step Functions forces a new deployment of the services that read the database secret',
      assumeRolePolicy: serviceTrustPolicy('states.amazonaws.com', props.accountId),
      permissionsBoundary: props.permissionsBoundary,
      policies: { 'restart-services': [{ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: serviceArns }] },
    });
    const [cluster, service, force] = props.emulatorParameterNames ? ['cluster', 'service', 'forceNewDeployment'] : ['Cluster', 'Service', 'ForceNewDeployment'];
    const states: Record<string, unknown> = {};
    props.serviceNames.forEach((s, i) => {
      states[`Restart-${s}`] = {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
        Parameters: { [cluster]: props.clusterName, [service]: s, [force]: true },
        // The event passes through unchanged: the UpdateService answer is not needed (and moto's
        // interpreter cannot serialise its timestamps).
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 5, BackoffRate: 2 }],
        ...(i + 1 < props.serviceNames.length ? { Next: `Restart-${props.serviceNames[i + 1]}` } : { End: true }),
      };
    });
    this.stateMachine = new SfnStateMachine(this, 'machine', {
      name,
      type: 'STANDARD',
      roleArn: machineRole.role.arn,
      definition: JSON.stringify({
        Comment: 'Restart the services that read the rotated database secret (new tasks read it at start)',
        StartAt: `Restart-${props.serviceNames[0]}`,
        States: states,
      }),
    });

    const ruleRole = new Role(this, 'rule-role', {
      roleName: `${props.namePrefix}-db-rotation-events`,
      description: 'EventBridge starts the restart state machine after a database password rotation',
      assumeRolePolicy: serviceTrustPolicy('events.amazonaws.com', props.accountId),
      permissionsBoundary: props.permissionsBoundary,
      policies: { 'start-restart': [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: this.stateMachine.arn }] },
    });
    this.rule = new CloudwatchEventRule(this, 'rule', {
      name,
      description: 'Aurora master password rotated: restart the Prefect server so it reads the new one',
      eventPattern: JSON.stringify(rotationSucceededPattern(props.secretArn)),
    });
    new CloudwatchEventTarget(this, 'target', {
      rule: this.rule.name,
      targetId: 'restart-services',
      arn: this.stateMachine.arn,
      roleArn: ruleRole.role.arn,
    });
  }
}
