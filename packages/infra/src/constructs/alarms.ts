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
  /** Log group of the worker. */
  readonly logGroupName: string;
  /** Container Insights on the cluster (then running and desired task counts exist; else CPU samples count tasks). */
  readonly containerInsights: boolean;
}

/** One metric alarm's metric, statistic and threshold. */
interface AlarmSpec {
  namespace: string;
  metricName: string;
  statistic: string;
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: string;
  dimensions?: Record<string, string>;
  treatMissingData?: string;
}

/** One metric of a metric-math alarm, 1-minute periods, not returned itself. */
function metricQuery(id: string, namespace: string, metricName: string, stat: string, dimensions: Record<string, string>) {
  return { id, returnData: false, metric: { namespace, metricName, stat, period: 60, dimensions } };
}

/** Creates one alarm on the topic. */
type AlarmFactory = (name: string, description: string, spec: AlarmSpec) => CloudwatchMetricAlarm;

/** A service whose running tasks must keep up with its desired count. */
export interface WatchedService {
  /** Alarm id and name suffix, e.g. `services` → `<prefix>-services-not-running`. */
  readonly key: string;
  /** ECS service name. */
  readonly serviceName: string;
  /** What it means when it fires. */
  readonly description: string;
}

/** The scale-out mode's Redis, for its alarms. */
export interface RedisWatch {
  /** `{ clusterId }` of a serverless cache or `{ CacheClusterId }` of a node. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Serverless (storage and ECPU ceilings) or node-based (CPU and memory of the node). */
  readonly serverless: boolean;
  /** Serverless: the data storage ceiling in GB, alarmed at 80 %. */
  readonly maxStorageGb: number;
}

/** Properties of {@link Alarms}. */
export interface AlarmsProps {
  /** Prefix of alarm and topic names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ECS cluster and server service names. Required. */
  readonly clusterName: string;
  /** Name of the Prefect server's ECS service. Required. */
  readonly serverServiceName: string;
  /**
   * `arn_suffix` of the ALB and of the server's target group: 5xx and target-health alarms. Without
   * one (a private endpoint) the server is watched for running fewer tasks than the worker instead. Default none.
   */
  readonly loadBalancer?: { readonly arnSuffix: string; readonly targetGroupArnSuffix: string };
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
  /** Other services watched for running below desired (scale-out: the background services). Default none. */
  readonly services?: readonly WatchedService[];
  /** Scale-out: the Redis cache. Default none. */
  readonly redis?: RedisWatch;
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

    const alarm: AlarmFactory = (name, description, spec) =>
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
    const lb = props.loadBalancer;
    if (lb) {
      alarm('alb-5xx', 'The load balancer itself answers 5xx (no healthy server, timeouts)', {
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_ELB_5XX_Count',
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: t.http5xxPer5Minutes,
        comparisonOperator: 'GreaterThanThreshold',
        dimensions: { LoadBalancer: lb.arnSuffix },
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
        dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffix },
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
        dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffix },
      });
      this.noHealthyTargets(props, lb);
    } else {
      // No ALB to count healthy targets: a server that runs no task while the worker does (the
      // schedule starts and stops both) is the same outage, seen from ECS.
      this.belowDesired('server-not-running', 'The Prefect server runs no task while the worker does: the API is down', props.serverServiceName, props,
        props.worker.containerInsights, props.worker.serviceName);
    }
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
    this.belowDesired('worker-not-running', 'The Prefect worker runs fewer tasks than desired: no flow run starts', worker.serviceName, props, worker.containerInsights);
    for (const extra of props.services ?? []) {
      this.belowDesired(`${extra.key}-not-running`, extra.description, extra.serviceName, props, worker.containerInsights);
    }
    if (props.redis) this.redisAlarms(props.redis, alarm);
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

  /**
   * "Fewer tasks running than desired", true under a schedule or autoscaling: a service scaled to 0
   * at night is asleep, not broken. With Container Insights: DesiredTaskCount − RunningTaskCount
   * above 0 for 5 minutes. Without it ECS publishes no task counts, only one CPU sample per
   * running task per minute, and no desired count; the `reference` service's samples (the server's,
   * or the worker's for the server itself) stand in for "desired"
   * (the schedule starts and stops every service together): a minute with a server task and no
   * task of this service counts.
   *
   * `FILL(running, 0)` is what makes "no sample" count as 0 tasks: FILL fills the missing values of
   * a time series with the value (Metric math syntax and functions, docs.aws.amazon.com/
   * AmazonCloudWatch/latest/monitoring/using-metric-math.html; the CloudWatch team advises it for
   * metrics that publish nothing when there is nothing to count, aws/aws-sdk-js-v3#6873). A service
   * with no datapoint in the whole evaluation range relies on FILL filling an empty series too;
   * were it not filled, the expression would be missing, i.e. not breaching: the alarm would stay OK
   * and `platform-ops doctor` (`ecs-service-*`) would still report the service. Night (every series
   * empty) is OK either way. `test/alarm-scheduled-services.test.ts` models FILL as filling.
   */
  private belowDesired(
    id: string, description: string, serviceName: string, props: AlarmsProps, containerInsights: boolean, reference = props.serverServiceName,
  ) {
    const metric = (queryId: string, namespace: string, metricName: string, stat: string, service: string) =>
      metricQuery(queryId, namespace, metricName, stat, { ClusterName: props.clusterName, ServiceName: service });
    const queries = containerInsights
      ? [
        metric('desired', 'ECS/ContainerInsights', 'DesiredTaskCount', 'Maximum', serviceName),
        metric('running', 'ECS/ContainerInsights', 'RunningTaskCount', 'Minimum', serviceName),
        { id: 'missing', expression: 'FILL(desired, 0) - FILL(running, 0)', label: 'tasks missing', returnData: true },
      ]
      : [
        metric('server', 'AWS/ECS', 'CPUUtilization', 'SampleCount', reference),
        metric('running', 'AWS/ECS', 'CPUUtilization', 'SampleCount', serviceName),
        { id: 'missing', expression: 'IF(FILL(server, 0) > 0, 1, 0) - FILL(running, 0)', label: `tasks missing while the ${reference === props.serverServiceName ? 'server' : 'worker'} runs`, returnData: true },
      ];
    new CloudwatchMetricAlarm(this, id, {
      alarmName: `${props.namePrefix}-${id}`,
      alarmDescription: description,
      metricQuery: queries,
      evaluationPeriods: 5,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      // Nothing reported at all (both counts absent) is a service that does not exist yet.
      treatMissingData: 'notBreaching',
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }

  /**
   * "No healthy server behind the load balancer" only while a server should run. A plain
   * `HealthyHostCount < 1` with missing data breaching fired every night the schedule scales the
   * server to 0: the target group then has no target, so the ALB reports 0 healthy hosts or nothing
   * at all ("If there are no requests flowing through the load balancer or no data for a metric, the
   * metric is not reported", docs.aws.amazon.com/elasticloadbalancing/latest/application/
   * load-balancer-cloudwatch-metrics.html). So metric math compares with what ECS wants: with
   * Container Insights its `DesiredTaskCount`; without it ECS publishes no desired count, and CPU
   * samples (one per running task per minute) of the server or the worker stand in (the schedule
   * starts and stops both; a worker running beside no healthy server is an outage too), as in
   * {@link belowDesired}. Asleep (nothing wanted, nothing
   * reported) the expression is 1 or missing, and missing is not breaching. `FILL(healthy, 0)` turns
   * "no HealthyHostCount datapoint" into 0 healthy hosts: FILL fills the missing values of a time
   * series with the given value (Metric math syntax and functions, docs.aws.amazon.com/
   * AmazonCloudWatch/latest/monitoring/using-metric-math.html), as the CloudWatch team advises for
   * metrics that publish nothing when there is nothing to count (aws/aws-sdk-js-v3#6873).
   */
  private noHealthyTargets(props: AlarmsProps, lb: NonNullable<AlarmsProps['loadBalancer']>) {
    const query = metricQuery;
    const service = (name: string) => ({ ClusterName: props.clusterName, ServiceName: name });
    const wanted = props.worker.containerInsights
      ? [query('desired', 'ECS/ContainerInsights', 'DesiredTaskCount', 'Maximum', service(props.serverServiceName))]
      : [
        query('server', 'AWS/ECS', 'CPUUtilization', 'SampleCount', service(props.serverServiceName)),
        query('worker', 'AWS/ECS', 'CPUUtilization', 'SampleCount', service(props.worker.serviceName)),
      ];
    const shouldRun = props.worker.containerInsights ? 'FILL(desired, 0) > 0' : 'FILL(server, 0) + FILL(worker, 0) > 0';
    new CloudwatchMetricAlarm(this, 'no-healthy-targets', {
      alarmName: `${props.namePrefix}-no-healthy-targets`,
      alarmDescription: 'No healthy Prefect server behind the load balancer while one should run (not while the schedule has scaled it to 0)',
      metricQuery: [
        ...wanted,
        query('healthy', 'AWS/ApplicationELB', 'HealthyHostCount', 'Minimum', { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffix }),
        { id: 'served', expression: `IF(${shouldRun}, FILL(healthy, 0), 1)`, label: 'healthy servers while one should run (1 while none should)', returnData: true },
      ],
      evaluationPeriods: 3,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }

  /** Redis near its limits: a full or throttled broker drops or delays Prefect's events. */
  private redisAlarms(redis: RedisWatch, alarm: AlarmFactory) {
    const common = { namespace: 'AWS/ElastiCache', dimensions: { ...redis.dimensions }, comparisonOperator: 'GreaterThanThreshold' };
    if (redis.serverless) {
      alarm('redis-storage', 'Redis holds over 80% of scale.redis.maxStorageGb: raise it', {
        ...common,
        metricName: 'BytesUsedForCache',
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 2,
        threshold: Math.round(redis.maxStorageGb * 0.8 * 1024 ** 3),
      });
      alarm('redis-throttled', 'Redis throttles commands (scale.redis.maxEcpuPerSecond reached): raise it', {
        ...common, metricName: 'ThrottledCmds', statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 0, treatMissingData: 'notBreaching',
      });
    } else {
      alarm('redis-cpu', 'The Redis engine thread is busy (it is single-threaded): a larger scale.redis.nodeType', {
        ...common, metricName: 'EngineCPUUtilization', statistic: 'Average', period: 300, evaluationPeriods: 3, threshold: 80,
      });
      alarm('redis-memory', 'Redis memory is over 80%: a larger scale.redis.nodeType', {
        ...common, metricName: 'DatabaseMemoryUsagePercentage', statistic: 'Maximum', period: 300, evaluationPeriods: 2, threshold: 80,
      });
    }
  }
}
