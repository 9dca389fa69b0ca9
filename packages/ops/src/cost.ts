import { hasLoadBalancer, PlatformConfig, privateDnsNamespace, scheduleDays, scheduledHoursPerWeek, servedThroughCloudFront } from '@blog-data/config';
import { estimateRedisCost } from './cost-redis';
import type { PriceSource } from './price-list';
import { DEFAULT_PRICE_FILE, loadPriceBook, PriceBook, regionPrices } from './prices';
import { describeSchedule } from './schedule-clock';

/** One line of the estimate. */
export interface CostItem {
  /** Stable id, e.g. `fargate-server-vcpu`. */
  readonly id: string;
  /** AWS service, e.g. `Fargate`. */
  readonly service: string;
  /** What is being paid for, with the sizes that drive it. */
  readonly description: string;
  readonly quantity: number;
  /** Unit of `quantity`, e.g. `vCPU-hours`. */
  readonly unit: string;
  readonly unitPriceUsd: number;
  /** quantity × unit price, rounded to the cent. */
  readonly monthlyUsd: number;
  /** True when the quantity is an assumption rather than read from the configuration. */
  readonly assumed: boolean;
}

/** A monthly estimate of one environment. */
export interface CostEstimate {
  readonly env: string;
  readonly region: string;
  readonly currency: 'USD';
  /** The date the list prices were taken. */
  readonly pricesAsOf: string;
  /** Where the prices came from: the Price List API or the bundled book (and why). */
  readonly priceSource: PriceSource;
  readonly hoursPerMonth: number;
  readonly items: readonly CostItem[];
  /** Sum of the rounded items. */
  readonly totalUsd: number;
  /** The manual set-up's figure and how this estimate compares. */
  readonly reference: {
    readonly label: string;
    readonly lowUsd: number;
    readonly highUsd: number;
    /** Total minus the nearest end of the range; 0 when inside it. */
    readonly differenceUsd: number;
  };
  /** What is not itemized, and how the assumptions were chosen. */
  readonly notes: readonly string[];
}

/** Rounds to the cent; the epsilon keeps 1.005 from becoming 1.00. */
export function toCents(usd: number): number {
  return Math.round((usd + Number.EPSILON) * 100) / 100;
}

/**
 * Estimates the monthly cost of the always-on parts of an environment from its
 * configuration and the list prices of its region. Usage the configuration
 * cannot tell (LCUs, storage, I/O, log volume) comes from the price file's
 * assumptions, and those lines are marked `assumed`.
 */
export function estimateCost(
  config: PlatformConfig, book: PriceBook = loadPriceBook(), priceFile = DEFAULT_PRICE_FILE,
  source: PriceSource = { kind: 'bundled', asOf: book.asOf },
): CostEstimate {
  const p = regionPrices(book, config.aws.region, priceFile);
  const a = book.assumptions;
  const hours = a.hoursPerMonth;
  const items: CostItem[] = [];
  const add = (item: Omit<CostItem, 'monthlyUsd'>) => {
    items.push({ ...item, monthlyUsd: toCents(item.quantity * item.unitPriceUsd) });
  };

  const running = runningHours(config, hours);
  const serviceHours = running.serviceHours;
  // Scale-out: the API service runs at least minReplicas tasks, and the background services run
  // as their own service at the server's size; single: one server task does both.
  const scaleOut = config.scale.mode === 'scale-out';
  const tasks = { server: scaleOut ? config.scale.api.minReplicas : 1, services: scaleOut ? config.scale.services.replicas : 0, worker: 1 };
  const fargate = [['server', config.server, tasks.server], ['services', config.server, tasks.services], ['worker', config.worker, tasks.worker]] as const;
  for (const [role, size, count] of fargate) {
    if (count === 0) continue;
    const vcpu = size.cpu / 1024;
    const gb = size.memory / 1024;
    const taskText = `${count} task${count > 1 ? 's' : ''}${role === 'server' && scaleOut ? ` (api.minReplicas; up to ${config.scale.api.maxReplicas} under load, not counted)` : ''}`;
    add({
      id: `fargate-${role}-vcpu`,
      service: 'Fargate',
      unit: 'vCPU-hours',
      assumed: false,
      description: `${role}: ${vcpu} vCPU × ${count > 1 ? `${count} × ` : ''}${serviceHours} h (${taskText}, ${running.label})`,
      quantity: vcpu * count * serviceHours,
      unitPriceUsd: p.fargate.vcpuHour,
    });
    add({
      id: `fargate-${role}-memory`,
      service: 'Fargate',
      unit: 'GB-hours',
      assumed: false,
      description: `${role}: ${gb} GB × ${count > 1 ? `${count} × ` : ''}${serviceHours} h`,
      quantity: gb * count * serviceHours,
      unitPriceUsd: p.fargate.gbHour,
    });
  }

  if (hasLoadBalancer(config)) {
    add({ id: 'alb-hours', service: 'ALB', unit: 'hours', assumed: false, description: 'load balancer, always on', quantity: hours, unitPriceUsd: p.alb.hour });
    add({
      id: 'alb-lcu',
      service: 'ALB',
      unit: 'LCU-hours',
      assumed: true,
      description: `${a.albAverageLcu} LCU on average while the services run (baseline)`,
      quantity: a.albAverageLcu * serviceHours,
      unitPriceUsd: p.alb.lcuHour,
    });
  } else {
    // A private endpoint: the server's name in a Cloud Map namespace instead of an ALB.
    // The same in every commercial region: a region read live but absent from the book borrows another's.
    const cloudMap = p.cloudMap ?? Object.values(book.regions).find((r) => r.cloudMap)!.cloudMap;
    add({
      id: 'cloud-map-zone',
      service: 'Cloud Map',
      unit: 'hosted zones',
      assumed: false,
      description: `private DNS namespace ${privateDnsNamespace(config)} (a Route 53 private hosted zone), always on`,
      quantity: 1,
      unitPriceUsd: cloudMap.hostedZoneMonth,
    });
    add({
      id: 'cloud-map-instances',
      service: 'Cloud Map',
      unit: 'instance-months',
      assumed: false,
      description: `${tasks.server} server task${tasks.server > 1 ? 's' : ''} registered while running (${serviceHours} of ${hours} h)`,
      quantity: toCents((tasks.server * serviceHours) / hours),
      unitPriceUsd: cloudMap.instanceMonth,
    });
    add({
      id: 'cloud-map-queries',
      service: 'Cloud Map',
      unit: 'million DNS queries',
      assumed: true,
      description: 'lookups of the server\'s private name',
      quantity: a.privateDnsQueriesMillionsPerMonth,
      unitPriceUsd: cloudMap.dnsQueriesPerMillion,
    });
  }

  const db = auroraActiveHours(config, hours, running);
  add({
    id: 'aurora-acu',
    service: 'Aurora Serverless v2',
    unit: 'ACU-hours',
    assumed: db.assumed,
    description: `${db.description} (scales up to ${config.aurora.maxAcu} ACU under load)`,
    quantity: db.acu * db.activeHours,
    unitPriceUsd: p.aurora.acuHour,
  });
  if (config.scale.auroraReader) {
    // A reader in a second AZ bills its own ACUs at the writer's floor, and pauses with the cluster.
    add({
      id: 'aurora-reader-acu',
      service: 'Aurora Serverless v2',
      unit: 'ACU-hours',
      assumed: db.assumed,
      description: `reader instance (scale.auroraReader): ${db.description}`,
      quantity: db.acu * db.activeHours,
      unitPriceUsd: p.aurora.acuHour,
    });
  }
  add({ id: 'aurora-storage', service: 'Aurora Serverless v2', unit: 'GB-months', assumed: true, description: 'database storage', quantity: a.auroraStorageGb, unitPriceUsd: p.aurora.storageGbMonth });
  add({
    id: 'aurora-io',
    service: 'Aurora Serverless v2',
    unit: 'million I/O',
    assumed: true,
    description: `I/O requests (Aurora Standard)${db.activeHours < hours ? `, ${db.activeHours} of ${hours} h awake` : ''}`,
    // The I/O comes from the server's polling, so it stops while the database is paused.
    quantity: (a.auroraIoMillionsPerMonth * db.activeHours) / hours,
    unitPriceUsd: p.aurora.ioPerMillion,
  });

  add({ id: 'ecr-storage', service: 'ECR', unit: 'GB-months', assumed: true, description: `image storage (${config.image.repository})`, quantity: a.ecrStorageGb, unitPriceUsd: p.ecr.storageGbMonth });

  add({ id: 'logs-ingest', service: 'CloudWatch Logs', unit: 'GB', assumed: true, description: 'log ingestion', quantity: a.logsIngestGbPerMonth, unitPriceUsd: p.logs.ingestGb });
  const storedGb = (a.logsIngestGbPerMonth * config.logs.retentionDays) / 30;
  add({
    id: 'logs-storage',
    service: 'CloudWatch Logs',
    unit: 'GB-months',
    assumed: true,
    description: `stored logs at steady state (${config.logs.retentionDays}-day retention)`,
    quantity: storedGb,
    unitPriceUsd: p.logs.storageGbMonth,
  });
  if (config.ecs.containerInsights) {
    // Scale-out adds the background-services service.
    const ecsServices = scaleOut ? 3 : 2;
    const metrics = a.containerInsightsClusterMetrics + ecsServices * a.containerInsightsMetricsPerService;
    add({
      id: 'container-insights',
      service: 'CloudWatch',
      unit: 'metrics',
      assumed: true,
      description: `ECS Container Insights (cluster + ${ecsServices} services), billed as custom metrics`,
      quantity: metrics,
      unitPriceUsd: p.logs.metricMonth,
    });
  }

  add({ id: 'kms-keys', service: 'KMS', unit: 'keys', assumed: false, description: 'customer managed key (platform)', quantity: a.kmsKeys, unitPriceUsd: p.kms.keyMonth });
  add({
    id: 'secrets',
    service: 'Secrets Manager',
    unit: 'secrets',
    assumed: false,
    description: `API auth string and database master secret${scaleOut ? ', Redis password and Docket URL (scale-out)' : ''}`,
    quantity: a.secrets + (scaleOut ? 2 : 0),
    unitPriceUsd: p.secretsManager.secretMonth,
  });
  const redis = scaleOut ? estimateRedisCost(config, p, a, hours, serviceHours, priceFile) : undefined;
  for (const line of redis?.items ?? []) add(line);

  const net = config.network;
  const zones = net.mode === 'create' ? net.azCount : net.publicSubnetIds.length;
  const tasksPublic = net.mode === 'create' ? !net.privateSubnets : net.privateSubnetIds.length === 0;
  const nat = net.mode === 'create' && net.natGateway;
  // Behind CloudFront (no domain) the ALB is internal: no public addresses of its own; a private
  // endpoint has no ALB at all.
  const albIps = servedThroughCloudFront(config) || !hasLoadBalancer(config) ? 0 : zones;
  const taskCount = tasks.server + tasks.services + tasks.worker;
  const publicIps = albIps + (tasksPublic ? taskCount : 0) + (nat ? 1 : 0);
  const taskNames = scaleOut ? 'API + services + worker tasks' : 'server + worker tasks';
  const taskIpText = serviceHours < hours ? `${taskNames} ${taskCount} × ${serviceHours} h` : `${taskNames} ${taskCount}`;
  const ipParts = [albIps ? `ALB ${albIps}` : '', tasksPublic ? taskIpText : '', nat ? 'NAT 1' : ''].filter(Boolean).join(', ');
  add({
    id: 'public-ipv4',
    service: 'VPC',
    unit: 'IP-hours',
    assumed: false,
    description: `${publicIps} public IPv4 addresses (${ipParts || 'none'})`,
    // A task's address exists only while the task runs.
    quantity: (albIps + (nat ? 1 : 0)) * hours + (tasksPublic ? taskCount : 0) * serviceHours,
    unitPriceUsd: p.publicIpv4.hour,
  });
  if (nat) {
    add({ id: 'nat-hours', service: 'VPC', unit: 'hours', assumed: false, description: 'NAT gateway (one per VPC)', quantity: hours, unitPriceUsd: p.nat.hour });
    add({ id: 'nat-data', service: 'VPC', unit: 'GB', assumed: true, description: 'data processed by the NAT gateway', quantity: a.natProcessedGbPerMonth, unitPriceUsd: p.nat.gbProcessed });
  }
  if (net.mode === 'create' && net.vpcEndpoints) {
    add({
      id: 'vpc-endpoints',
      service: 'PrivateLink',
      unit: 'endpoint-AZ-hours',
      assumed: false,
      description: `${a.interfaceEndpoints} interface endpoints × ${zones} zones`,
      quantity: a.interfaceEndpoints * zones * hours,
      unitPriceUsd: p.vpcEndpoint.azHour,
    });
    add({ id: 'vpc-endpoints-data', service: 'PrivateLink', unit: 'GB', assumed: true, description: 'data processed by the endpoints', quantity: a.vpcEndpointProcessedGbPerMonth, unitPriceUsd: p.vpcEndpoint.gbProcessed });
  }

  if (servedThroughCloudFront(config)) {
    add({
      id: 'cloudfront-requests',
      service: 'CloudFront',
      unit: 'million HTTPS requests',
      assumed: true,
      description: 'HTTPS in front of the internal ALB (no domain): API, UI and worker requests',
      quantity: a.cloudfrontRequestsMillionsPerMonth,
      unitPriceUsd: p.cloudfront.httpsRequestsPerMillion,
    });
    add({ id: 'cloudfront-data-out', service: 'CloudFront', unit: 'GB', assumed: true, description: 'data transfer out to viewers', quantity: a.cloudfrontDataOutGbPerMonth, unitPriceUsd: p.cloudfront.dataOutGb });
    add({ id: 'cloudfront-to-origin', service: 'CloudFront', unit: 'GB', assumed: true, description: 'data transfer from the edge to the ALB (requests and uploads)', quantity: a.cloudfrontDataOutGbPerMonth, unitPriceUsd: p.cloudfront.toOriginGb });
  }

  const totalUsd = toCents(items.reduce((sum, i) => sum + i.monthlyUsd, 0));
  const ref = book.reference;
  const differenceUsd = totalUsd > ref.highUsd ? toCents(totalUsd - ref.highUsd) : totalUsd < ref.lowUsd ? toCents(totalUsd - ref.lowUsd) : 0;
  const flowRunHour = (config.flowRun.cpu / 1024) * p.fargate.vcpuHour + (config.flowRun.memory / 1024) * p.fargate.gbHour;
  const notes = [
    source.kind === 'price-list-api'
      ? `On-demand list prices of ${config.aws.region} read now through the AWS Price List API (offers published up to ${source.asOf}; no free tier, discounts or tax).`
      : `On-demand list prices of ${config.aws.region} from the bundled price book as of ${book.asOf} (no free tier, discounts or tax)${source.fallbackReason ? `, because the Price List API failed: ${source.fallbackReason}` : ''}; verify them on the AWS pricing pages before budgeting.`,
    ...(scaleOut ? [`Scale-out: API tasks above api.minReplicas (${config.scale.api.minReplicas}; target tracking up to ${config.scale.api.maxReplicas}) are not counted, each costs what one server task line costs.`] : []),
    ...(redis?.notes ?? []),
    `Not itemized: flow-run tasks (about $${flowRunHour.toFixed(4)} per task-hour at ${config.flowRun.cpu}/${config.flowRun.memory}), the one-off deployer task, data transfer out, CloudWatch alarms ($0.10 each), backups beyond the free amount, S3 buckets.`,
    ...(net.mode === 'existing' ? ['The VPC is existing: its NAT gateways or endpoints are not counted here.'] : []),
    ...(hasLoadBalancer(config)
      ? []
      : ['Private endpoint: no ALB and no CloudFront; the worker, flow runs and the deployer reach the server by its Cloud Map name, people through ECS Exec port forwarding (`platform-ops connect`, no charge for the SSM session). Cloud Map prices come from the bundled book in both price paths (no Price List query).']),
    ...running.notes,
    ...db.notes,
    ...Object.entries(book.assumptionNotes).filter(([k]) => usedAssumption(k, config)).map(([k, v]) => `Assumption ${k} = ${(a as unknown as Record<string, number>)[k]}: ${v}.`),
  ];
  return {
    env: config.env,
    region: config.aws.region,
    currency: 'USD',
    pricesAsOf: book.asOf,
    priceSource: source,
    hoursPerMonth: hours,
    items,
    totalUsd,
    reference: { label: ref.label, lowUsd: ref.lowUsd, highUsd: ref.highUsd, differenceUsd },
    notes,
  };
}

/** Whether an assumption feeds a line of this configuration (NAT and endpoint volumes only when those exist). */
function usedAssumption(name: string, config: PlatformConfig): boolean {
  const net = config.network;
  if (name.startsWith('cloudfront')) return servedThroughCloudFront(config);
  if (name === 'albAverageLcu') return hasLoadBalancer(config);
  if (name === 'privateDnsQueriesMillionsPerMonth') return !hasLoadBalancer(config);
  if (name === 'natProcessedGbPerMonth') return net.mode === 'create' && net.natGateway;
  if (name === 'vpcEndpointProcessedGbPerMonth' || name === 'interfaceEndpoints') return net.mode === 'create' && net.vpcEndpoints;
  if (name.startsWith('containerInsights')) return config.ecs.containerInsights;
  if (name.startsWith('redis')) return config.scale.mode === 'scale-out' && config.scale.redis.kind === 'serverless';
  return true;
}

/** The hours a month the server and worker run, and what the schedule assumes. */
interface RunningHours {
  readonly serviceHours: number;
  /** Scheduled stops a month (0 when always on). */
  readonly stopsPerMonth: number;
  /** Short text for the line items, e.g. `MON-FRI 08–19 Europe/London`. */
  readonly label: string;
  readonly notes: readonly string[];
}

/** Hours to two decimals, so a line's quantity reads like its description. */
const hoursOf = (h: number) => Math.round(h * 100) / 100;

function runningHours(config: PlatformConfig, hours: number): RunningHours {
  const s = config.schedule;
  if (!s) return { serviceHours: hours, stopsPerMonth: 0, label: 'always on', notes: [] };
  const weeks = hours / (7 * 24);
  const days = scheduleDays(s);
  const serviceHours = hoursOf(scheduledHoursPerWeek(s) * weeks);
  const label = describeSchedule(s);
  return {
    serviceHours,
    stopsPerMonth: days.length * weeks,
    label,
    notes: [
      `Schedule ${label}: the server and worker run ${days.length} days × ${s.stopHour - s.startHour} h a week × ${weeks.toFixed(3)} weeks = ${serviceHours} of ${hours} h a month (0 tasks otherwise); ${hasLoadBalancer(config) ? 'the ALB' : 'the private DNS namespace'}, NAT, endpoints, keys, secrets and storage bill around the clock.`,
      'A deploy, release or manual start outside the hours runs the services until the next scheduled stop; those hours are not counted.',
    ],
  };
}

/** Aurora's billed ACU-hours: its floor around the clock, or awake hours only when it may pause. */
function auroraActiveHours(config: PlatformConfig, hours: number, running: RunningHours) {
  const a = config.aurora;
  if (a.minAcu > 0) {
    return { acu: a.minAcu, activeHours: hours, assumed: false, description: `minimum capacity ${a.minAcu} ACU × ${hours} h`, notes: [] };
  }
  // Running, Serverless v2 does not go below 0.5 ACU; the server's polling keeps it awake.
  const acu = 0.5;
  const delayHours = (a.secondsUntilAutoPause ?? 0) / 3600;
  const activeHours = running.stopsPerMonth === 0 ? hours : hoursOf(Math.min(hours, running.serviceHours + running.stopsPerMonth * delayHours));
  const pausedHours = hoursOf(hours - activeHours);
  return {
    acu,
    activeHours,
    assumed: true,
    description: `${acu} ACU × ${activeHours} h awake, paused (0 ACU) ${pausedHours} h`,
    notes: [
      running.stopsPerMonth === 0
        ? 'Aurora min capacity 0 without a schedule: the server polls the database continuously, so it is assumed never to pause.'
        : `Aurora min capacity 0: assumed at ${acu} ACU (its lowest running capacity) while the services run plus ${a.secondsUntilAutoPause} s after each of ${running.stopsPerMonth.toFixed(1)} stops a month, paused otherwise (storage only); wake-ups by anything else (a person's query, a deploy) and load above ${acu} ACU are not counted.`,
    ],
  };
}
