import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';

/** Alarm thresholds; the defaults suit the 0.25 vCPU server and a 0.5–1 ACU database. */
export interface AlarmThresholds {
  /** Server CPU %, 3 of 3 minutes. Default 80. */
  readonly serverCpuPercent?: number;
  /** Server memory %, 3 of 3 minutes. Default 85. */
  readonly serverMemoryPercent?: number;
  /** ALB plus target 5xx responses per 5 minutes. Default 10. */
  readonly http5xxPer5Minutes?: number;
  /** Aurora CPU %, 3 of 3 five-minute periods. Default 80. */
  readonly databaseCpuPercent?: number;
  /** Aurora connections. Default 80 (a 1-ACU Aurora PostgreSQL allows about 190). */
  readonly databaseConnections?: number;
  /** Fraction of max ACU that counts as "at capacity". Default 0.9. */
  readonly databaseCapacityFraction?: number;
  /** Worker 401/connection errors per 5 minutes, 2 periods in a row (a server restart makes a few). Default 5. */
  readonly workerApiErrorsPer5Minutes?: number;
}

/**
 * What the worker logs when it cannot use the API: 401 (wrong or rotated auth string) and
 * httpx's connection errors (security groups, the ALB, a stopped server). CloudWatch Logs
 * filter syntax: `?term` ORs terms; quoted terms hold spaces.
 */
export const WORKER_API_ERROR_PATTERN = '?"401 Unauthorized" ?ConnectError ?ConnectTimeout ?"All connection attempts failed"';

/** The worker service, watched for running below desired and for API errors in its log. */
export interface WorkerWatch {
  /** ECS service name of the worker. */
  readonly serviceName: string;
  /** Tasks the service should run. */
  readonly desiredCount: number;
  /** Log group of the worker. */
  readonly logGroupName: string;
  /** Container Insights on the cluster (then RunningTaskCount exists; else CPU samples count tasks). */
  readonly containerInsights: boolean;
}

/** Properties of {@link Alarms}. */
export interface AlarmsProps {
  /** Prefix of alarm and topic names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ECS cluster and server service names. Required. */
  readonly clusterName: string;
  /** Name of the Prefect server's ECS service. Required. */
  readonly serverServiceName: string;
  /** `arn_suffix` of the ALB. Required. */
  readonly loadBalancerArnSuffix: string;
  /** `arn_suffix` of the server's target group. Required. */
  readonly targetGroupArnSuffix: string;
  /** Aurora cluster identifier. Required. */
  readonly databaseClusterIdentifier: string;
  /** Aurora max ACU, for the capacity alarm. Required. */
  readonly databaseMaxAcu: number;
  /** KMS key ARN that encrypts the topic (its policy must admit cloudwatch.amazonaws.com). Required. */
  readonly kmsKeyArn: string;
  /** Where alarm e-mails go (`config.alarms.email`); omit for SNS only. Default none. */
  readonly email?: string;
  /** HTTPS webhook (PagerDuty, Opsgenie, Slack…) subscribed to the topic; from a secret, so usually a token. Default none. */
  readonly webhookUrl?: string;
  /** The worker service to watch. Required. */
  readonly worker: WorkerWatch;
  /** Threshold overrides. Default see {@link AlarmThresholds}. */
  readonly thresholds?: AlarmThresholds;
}

/** Alarms on what takes Prefect down (server CPU/memory, 5xx, unhealthy targets, the database), sent to one SNS topic. */
export class Alarms extends Construct {
  /** Topic every alarm (and its recovery) publishes to. */
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const t = {
      serverCpuPercent: 80,
      serverMemoryPercent: 85,
      http5xxPer5Minutes: 10,
      databaseCpuPercent: 80,
      databaseConnections: 80,
      databaseCapacityFraction: 0.9,
      workerApiErrorsPer5Minutes: 5,
      ...props.thresholds,
    };
    for (const key of ['serverCpuPercent', 'serverMemoryPercent', 'databaseCpuPercent'] as const) {
      if (t[key] <= 0 || t[key] > 100) throw new Error(`Alarms.thresholds.${key}: ${t[key]} must be a percentage in (0, 100]`);
    }
    if (t.databaseCapacityFraction <= 0 || t.databaseCapacityFraction > 1) {
      throw new Error(`Alarms.thresholds.databaseCapacityFraction: ${t.databaseCapacityFraction} must be in (0, 1]`);
    }
    if (props.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      throw new Error(`Alarms.email: "${props.email}" is not an e-mail address`);
    }

    if (props.webhookUrl !== undefined && !props.webhookUrl.includes('${') && !props.webhookUrl.startsWith('https://')) {
      throw new Error('Alarms.webhookUrl: must be an https:// URL (SNS posts alarms to it)');
    }

    this.topic = new SnsTopic(this, 'topic', { name: `${props.namePrefix}-alarms`, kmsMasterKeyId: props.kmsKeyArn });
    if (props.email) {
      new SnsTopicSubscription(this, 'email', { topicArn: this.topic.arn, protocol: 'email', endpoint: props.email });
    }
    if (props.webhookUrl !== undefined) {
      // SNS posts a SubscriptionConfirmation first; PagerDuty and Opsgenie confirm by themselves,
      // other endpoints must visit its SubscribeURL. `platform-ops doctor` reports a topic that
      // has no confirmed subscriber.
      new SnsTopicSubscription(this, 'webhook', { topicArn: this.topic.arn, protocol: 'https', endpoint: props.webhookUrl });
    }

    const alarm = (
      name: string,
      description: string,
      spec: {
        namespace: string;
        metricName: string;
        statistic: string;
        period: number;
        evaluationPeriods: number;
        threshold: number;
        comparisonOperator: string;
        dimensions?: Record<string, string>;
        treatMissingData?: string;
      },
    ) =>
      new CloudwatchMetricAlarm(this, name, {
        alarmName: `${props.namePrefix}-${name}`,
        alarmDescription: description,
        namespace: spec.namespace,
        metricName: spec.metricName,
        statistic: spec.statistic,
        period: spec.period,
        evaluationPeriods: spec.evaluationPeriods,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        dimensions: spec.dimensions,
        treatMissingData: spec.treatMissingData ?? 'missing',
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
      });

    const service = { ClusterName: props.clusterName, ServiceName: props.serverServiceName };
    alarm('server-cpu', 'Prefect server CPU is high', {
      namespace: 'AWS/ECS',
      metricName: 'CPUUtilization',
      statistic: 'Average',
      period: 60,
      evaluationPeriods: 3,
      threshold: t.serverCpuPercent,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: service,
    });
    alarm('server-memory', 'Prefect server memory is high (the task is OOM-killed at 100%)', {
      namespace: 'AWS/ECS',
      metricName: 'MemoryUtilization',
      statistic: 'Average',
      period: 60,
      evaluationPeriods: 3,
      threshold: t.serverMemoryPercent,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: service,
    });
    alarm('alb-5xx', 'The load balancer itself answers 5xx (no healthy server, timeouts)', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_ELB_5XX_Count',
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: t.http5xxPer5Minutes,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: { LoadBalancer: props.loadBalancerArnSuffix },
      treatMissingData: 'notBreaching',
    });
    alarm('server-5xx', 'The Prefect server answers 5xx', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: t.http5xxPer5Minutes,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix },
      treatMissingData: 'notBreaching',
    });
    alarm('unhealthy-targets', 'The Prefect server fails its /api/health check', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'UnHealthyHostCount',
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 3,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix },
    });
    alarm('no-healthy-targets', 'No healthy Prefect server behind the load balancer', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'HealthyHostCount',
      statistic: 'Minimum',
      period: 60,
      evaluationPeriods: 3,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      dimensions: { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix },
      treatMissingData: 'breaching',
    });
    const db = { DBClusterIdentifier: props.databaseClusterIdentifier };
    alarm('database-capacity', 'Aurora is near its max ACU: raise aurora.maxAcu', {
      namespace: 'AWS/RDS',
      metricName: 'ServerlessDatabaseCapacity',
      statistic: 'Average',
      period: 300,
      evaluationPeriods: 3,
      threshold: Math.round(props.databaseMaxAcu * t.databaseCapacityFraction * 100) / 100,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      dimensions: db,
    });
    alarm('database-cpu', 'Aurora CPU is high', {
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      statistic: 'Average',
      period: 300,
      evaluationPeriods: 3,
      threshold: t.databaseCpuPercent,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: db,
    });
    alarm('database-connections', 'Aurora has many connections', {
      namespace: 'AWS/RDS',
      metricName: 'DatabaseConnections',
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 2,
      threshold: t.databaseConnections,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: db,
    });

    const worker = props.worker;
    const workerService = { ClusterName: props.clusterName, ServiceName: worker.serviceName };
    // Without Container Insights each running task reports one CPU sample per minute.
    const runningTasks = worker.containerInsights
      ? { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', statistic: 'Minimum' }
      : { namespace: 'AWS/ECS', metricName: 'CPUUtilization', statistic: 'SampleCount' };
    alarm('worker-not-running', `The Prefect worker runs fewer than ${worker.desiredCount} task(s): no flow run starts`, {
      ...runningTasks,
      period: 60,
      evaluationPeriods: 5,
      threshold: worker.desiredCount,
      comparisonOperator: 'LessThanThreshold',
      dimensions: workerService,
      treatMissingData: 'breaching',
    });
    const metricNamespace = `Prefect/${props.namePrefix}`;
    new CloudwatchLogMetricFilter(this, 'worker-api-errors-filter', {
      name: `${props.namePrefix}-worker-api-errors`,
      logGroupName: worker.logGroupName,
      pattern: WORKER_API_ERROR_PATTERN,
      metricTransformation: { namespace: metricNamespace, name: 'WorkerApiErrors', value: '1', defaultValue: '0' },
    });
    alarm('worker-api-errors', 'The worker gets 401s or cannot connect to the Prefect API (auth string, security groups, server down)', {
      namespace: metricNamespace,
      metricName: 'WorkerApiErrors',
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 2,
      threshold: t.workerApiErrorsPer5Minutes,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
  }
}
