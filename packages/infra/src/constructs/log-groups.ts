import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { Construct } from 'constructs';

/** Log group names of the platform's tasks (`config.logs`). */
export interface LogGroupNames {
  /** Prefect server, `/ecs/<env>/prefect-api`. */
  readonly api: string;
  /** Prefect worker, `/ecs/<env>/prefect-worker`. */
  readonly worker: string;
  /** One-off deployer task, `/ecs/<env>/prefect-deployer`. */
  readonly deployer: string;
  /** Flow-run tasks the worker starts. */
  readonly flowRuns: string;
}

/** Properties of {@link LogGroups}. */
export interface LogGroupsProps {
  /** Environment name; every group must live under `/ecs/<env>/`. Required. */
  readonly env: string;
  /** The four group names. Required. */
  readonly names: LogGroupNames;
  /** Retention in days (a CloudWatch-supported value). Required. */
  readonly retentionDays: number;
  /** KMS key ARN; the key policy must let CloudWatch Logs use it. Required. */
  readonly kmsKeyArn: string;
}

/** The platform's CloudWatch log groups, created up front so retention and encryption are ours, not defaults. */
export class LogGroups extends Construct {
  /** Group per role, same keys as {@link LogGroupNames}. */
  readonly groups: Readonly<Record<keyof LogGroupNames, CloudwatchLogGroup>>;

  constructor(scope: Construct, id: string, props: LogGroupsProps) {
    super(scope, id);
    const prefix = `/ecs/${props.env}/`;
    for (const [key, name] of Object.entries(props.names)) {
      if (!name.startsWith(prefix)) {
        throw new Error(`LogGroups.names.${key}: "${name}" must start with ${prefix}`);
      }
    }
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new Error(`LogGroups.retentionDays: ${props.retentionDays} must be a positive number of days`);
    }
    const group = (key: keyof LogGroupNames) =>
      new CloudwatchLogGroup(this, key, {
        name: props.names[key],
        retentionInDays: props.retentionDays,
        kmsKeyId: props.kmsKeyArn,
      });
    this.groups = {
      api: group('api'),
      worker: group('worker'),
      deployer: group('deployer'),
      flowRuns: group('flowRuns'),
    };
  }
}
