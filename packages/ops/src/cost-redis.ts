import { UserError } from '@blog-data/cli-kit';
import type { PlatformConfig } from '@blog-data/config';
import type { CostItem } from './cost';
import { CostAssumptions, DEFAULT_PRICE_FILE, RedisEngine, RegionPrices } from './prices';

/**
 * ElastiCache Serverless bills at least this much data stored per engine, whatever the cache holds
 * (aws.amazon.com/elasticache/pricing: Serverless meters at least 100 MB of data stored for Valkey, 1 GB for Redis OSS).
 */
export const SERVERLESS_MINIMUM_GB: Readonly<Record<RedisEngine, number>> = { valkey: 0.1, redis: 1 };

/** The scale-out Redis lines and the notes that explain them. */
export interface RedisCost {
  readonly items: readonly Omit<CostItem, 'monthlyUsd'>[];
  readonly notes: readonly string[];
}

/**
 * Prices `config.scale.redis` as infra builds it (`packages/infra/src/constructs/redis.ts`):
 * ElastiCache Serverless bills data stored per GB-hour around the clock, never less than the
 * engine's minimum, plus ECPUs while the Prefect tasks use it; a replication group bills each node
 * (primary + `replicas`) every hour. The schedule stops tasks, not the cache.
 */
export function estimateRedisCost(
  config: PlatformConfig, p: RegionPrices, a: CostAssumptions, hours: number, serviceHours: number, priceFile = DEFAULT_PRICE_FILE,
): RedisCost {
  const r = config.scale.redis;
  const engineName = r.engine === 'valkey' ? 'Valkey' : 'Redis OSS';
  const prices = p.elasticache?.[r.engine];
  if (!prices) {
    throw new UserError(`no ElastiCache ${r.engine} prices for region ${config.aws.region}`, priceFile,
      `add regions.${config.aws.region}.elasticache.${r.engine} from the ElastiCache pricing page`);
  }
  if (r.kind === 'replication-group') {
    const nodeHour = prices.nodeHour[r.nodeType];
    if (nodeHour === undefined) {
      throw new UserError(`no ElastiCache ${r.engine} price for node type ${r.nodeType} in ${config.aws.region}`, priceFile,
        `add it under regions.${config.aws.region}.elasticache.${r.engine}.nodeHour (priced: ${Object.keys(prices.nodeHour).join(', ')})`);
    }
    const nodes = 1 + r.replicas;
    return {
      items: [{
        id: 'redis-nodes',
        service: 'ElastiCache',
        unit: 'node-hours',
        assumed: false,
        description: `${engineName} replication group: ${nodes} × ${r.nodeType} (primary${r.replicas ? ` + ${r.replicas} replica${r.replicas > 1 ? 's' : ''}` : ''}) × ${hours} h, always on`,
        quantity: nodes * hours,
        unitPriceUsd: nodeHour,
      }],
      notes: [`Redis (scale.redis: replication group of ${nodes} ${r.nodeType} ${engineName} node${nodes > 1 ? 's' : ''}) bills every hour: the schedule stops the tasks, not the cache.`],
    };
  }
  const billedGb = Math.max(a.redisStoredGb, SERVERLESS_MINIMUM_GB[r.engine]);
  const ecpuMillions = Math.round(((a.redisEcpuMillionsPerMonth * serviceHours) / hours) * 100) / 100;
  return {
    items: [
      {
        id: 'redis-storage',
        service: 'ElastiCache',
        unit: 'GB-hours',
        assumed: true,
        description: `${engineName} Serverless: ${billedGb} GB stored × ${hours} h (${billedGb > a.redisStoredGb ? `the engine's ${SERVERLESS_MINIMUM_GB[r.engine]} GB minimum` : 'data stored'}), always on`,
        quantity: billedGb * hours,
        unitPriceUsd: prices.serverlessGbHour,
      },
      {
        id: 'redis-ecpu',
        service: 'ElastiCache',
        unit: 'million ECPUs',
        assumed: true,
        description: `${engineName} Serverless processing units while the API and services tasks run${serviceHours < hours ? ` (${serviceHours} of ${hours} h)` : ''}`,
        quantity: ecpuMillions,
        unitPriceUsd: prices.serverlessEcpuPerMillion,
      },
    ],
    notes: [
      `Redis (scale.redis: ${engineName} Serverless) bills data stored around the clock, at least ${SERVERLESS_MINIMUM_GB[r.engine]} GB for ${engineName} `
      + `(${a.redisStoredGb} GB assumed stored), and ECPUs while the tasks run; its ceilings (maxStorageGb ${r.maxStorageGb}, maxEcpuPerSecond ${r.maxEcpuPerSecond}) cap the bill, they are not charged.`,
    ],
  };
}
