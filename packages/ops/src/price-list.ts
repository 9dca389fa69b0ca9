import { FilterType, GetProductsCommand, GetProductsCommandOutput, PricingClient } from '@aws-sdk/client-pricing';
import { messageOf } from '@blog-data/cli-kit';
import type { PriceBook, RedisEngine, RegionPrices } from './prices';

/**
 * Where one bundled price comes from in the AWS Price List: the service code, the usage type
 * without its region prefix, optional attribute filters, and the factor from the list's unit to
 * the book's (the list prices I/O and requests one by one; the book per million).
 */
interface PriceQuery {
  readonly serviceCode: string;
  readonly usageType: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly factor?: number;
  /** Global services (CloudFront) have no region code. */
  readonly global?: boolean;
}

/**
 * Sections of {@link RegionPrices} no query reads: Cloud Map's flat prices (per registered
 * instance, per hosted zone), the same in every commercial region; the bundled book's serve both paths.
 */
export const BUNDLED_ONLY_PRICES: readonly string[] = ['cloudMap'];

/** Every field of {@link RegionPrices} but {@link BUNDLED_ONLY_PRICES}, as `section.field`, and its Price List product. */
export const PRICE_QUERIES: Readonly<Record<string, PriceQuery>> = {
  'fargate.vcpuHour': { serviceCode: 'AmazonECS', usageType: 'Fargate-vCPU-Hours:perCPU' },
  'fargate.gbHour': { serviceCode: 'AmazonECS', usageType: 'Fargate-GB-Hours' },
  'alb.hour': { serviceCode: 'AWSELB', usageType: 'LoadBalancerUsage', attributes: { productFamily: 'Load Balancer-Application' } },
  'alb.lcuHour': { serviceCode: 'AWSELB', usageType: 'LCUUsage', attributes: { productFamily: 'Load Balancer-Application' } },
  'aurora.acuHour': { serviceCode: 'AmazonRDS', usageType: 'Aurora:ServerlessV2Usage', attributes: { databaseEngine: 'Aurora PostgreSQL' } },
  'aurora.storageGbMonth': { serviceCode: 'AmazonRDS', usageType: 'Aurora:StorageUsage' },
  'aurora.ioPerMillion': { serviceCode: 'AmazonRDS', usageType: 'Aurora:StorageIOUsage', factor: 1e6 },
  'ecr.storageGbMonth': { serviceCode: 'AmazonECR', usageType: 'TimedStorage-ByteHrs' },
  'logs.ingestGb': { serviceCode: 'AmazonCloudWatch', usageType: 'DataProcessing-Bytes' },
  'logs.storageGbMonth': { serviceCode: 'AmazonCloudWatch', usageType: 'TimedStorage-ByteHrs' },
  'logs.metricMonth': { serviceCode: 'AmazonCloudWatch', usageType: 'CW:MetricMonitorUsage' },
  'kms.keyMonth': { serviceCode: 'awskms', usageType: 'KMS-Keys' },
  'secretsManager.secretMonth': { serviceCode: 'AWSSecretsManager', usageType: 'AWSSecretsManager-Secrets' },
  'nat.hour': { serviceCode: 'AmazonEC2', usageType: 'NatGateway-Hours' },
  'nat.gbProcessed': { serviceCode: 'AmazonEC2', usageType: 'NatGateway-Bytes' },
  'vpcEndpoint.azHour': { serviceCode: 'AmazonVPC', usageType: 'VpcEndpoint-Hours' },
  'vpcEndpoint.gbProcessed': { serviceCode: 'AmazonVPC', usageType: 'VpcEndpoint-Bytes' },
  'publicIpv4.hour': { serviceCode: 'AmazonVPC', usageType: 'PublicIPv4:InUseAddress' },
  // PriceClass_100 (the book's CloudFront prices): Europe's edge prices.
  'cloudfront.httpsRequestsPerMillion': { serviceCode: 'AmazonCloudFront', usageType: 'EU-Requests-Tier2-HTTPS', factor: 1e6, global: true },
  'cloudfront.dataOutGb': { serviceCode: 'AmazonCloudFront', usageType: 'EU-DataTransfer-Out-Bytes', global: true },
  'cloudfront.toOriginGb': { serviceCode: 'AmazonCloudFront', usageType: 'EU-DataTransfer-Out-OBytes', global: true },
};

/** The scale-out Redis to price: its engine and, for a replication group, its node type. */
export interface RedisPriceSpec {
  readonly engine: RedisEngine;
  readonly nodeType: string;
}

/** The offer's `cacheEngine` attribute per engine: one usage type serves Valkey, Redis OSS and Memcached alike. */
const CACHE_ENGINE: Readonly<Record<RedisEngine, string>> = { valkey: 'Valkey', redis: 'Redis' };

/**
 * The ElastiCache products of one engine, as `elasticache.<engine>.<field>` paths (the node type is
 * the last segment of `nodeHour`'s path). `productFamily` and `cacheEngine` pick exactly one
 * product: the same `NodeUsage:<type>` usage type is listed once per engine. ECPUs are listed
 * one by one; the book prices them per million.
 */
export function elastiCacheQueries(redis: RedisPriceSpec): [path: readonly string[], query: PriceQuery][] {
  const attributes = { cacheEngine: CACHE_ENGINE[redis.engine] };
  const serverless = { ...attributes, productFamily: 'ElastiCache Serverless' };
  return [
    [['elasticache', redis.engine, 'serverlessGbHour'], { serviceCode: 'AmazonElastiCache', usageType: 'ElastiCache:ServerlessCachedData', attributes: serverless }],
    [['elasticache', redis.engine, 'serverlessEcpuPerMillion'], { serviceCode: 'AmazonElastiCache', usageType: 'ElastiCache:ServerlessECPU', attributes: serverless, factor: 1e6 }],
    [['elasticache', redis.engine, 'nodeHour', redis.nodeType], {
      serviceCode: 'AmazonElastiCache', usageType: `NodeUsage:${redis.nodeType}`, attributes: { ...attributes, productFamily: 'Cache Instance' },
    }],
  ];
}

/** The prefix AWS puts before a usage type in a region (us-east-1's often have none). */
const USAGE_TYPE_PREFIX: Readonly<Record<string, string>> = {
  'us-east-1': 'USE1',
  'us-east-2': 'USE2',
  'us-west-1': 'USW1',
  'us-west-2': 'USW2',
  'eu-west-1': 'EU',
  'eu-west-2': 'EUW2',
  'eu-west-3': 'EUW3',
  'eu-central-1': 'EUC1',
  'eu-north-1': 'EUN1',
  'ap-south-1': 'APS3',
  'ap-southeast-1': 'APS1',
  'ap-southeast-2': 'APS2',
  'ap-northeast-1': 'APN1',
};

/** One rate (tier) of an offer term. */
interface PriceDimension {
  readonly unit?: string;
  readonly beginRange?: string;
  readonly pricePerUnit?: { readonly USD?: string };
}

/** One product of a GetProducts answer (`FormatVersion` aws_v1), reduced to what is read. */
interface PriceListProduct {
  readonly product?: { readonly productFamily?: string; readonly attributes?: Readonly<Record<string, string>> };
  readonly terms?: {
    readonly OnDemand?: Readonly<Record<string, { readonly priceDimensions?: Readonly<Record<string, PriceDimension>> }>>;
  };
  readonly publicationDate?: string;
}

/** Whether a product's usage type is the query's in this region: `EUW2-LCUUsage`, `eu-west-2-KMS-Keys`, or bare in us-east-1. */
function usageTypeMatches(usageType: string | undefined, query: PriceQuery, region: string): boolean {
  if (!usageType) return false;
  if (query.global) return usageType === query.usageType;
  const prefix = USAGE_TYPE_PREFIX[region];
  return usageType === `${region}-${query.usageType}` || (prefix !== undefined && usageType === `${prefix}-${query.usageType}`)
    || (region === 'us-east-1' && usageType === query.usageType);
}

/**
 * The on-demand price of the query's product in a GetProducts answer: the first tier
 * (`beginRange` 0) of its OnDemand term, in the book's unit. Undefined when the answer has no
 * such product.
 */
export function parsePriceList(priceList: readonly string[], query: PriceQuery, region: string): { usd: number; publishedAt?: string } | undefined {
  for (const raw of priceList) {
    const item = JSON.parse(raw) as PriceListProduct;
    // `productFamily` filters like an attribute but sits beside them in the answer.
    const attributes: Record<string, string | undefined> = { ...item.product?.attributes, productFamily: item.product?.productFamily };
    if (!usageTypeMatches(attributes.usagetype, query, region)) continue;
    if (Object.entries(query.attributes ?? {}).some(([k, v]) => attributes[k] !== v)) continue;
    for (const term of Object.values(item.terms?.OnDemand ?? {})) {
      const dimensions = Object.values(term.priceDimensions ?? {});
      const first = dimensions.find((d) => (d.beginRange ?? '0') === '0') ?? dimensions[0];
      const usd = Number(first?.pricePerUnit?.USD);
      // toPrecision: 0.0000002 × 1e6 is 0.19999999999999998 in floating point.
      if (first && Number.isFinite(usd)) return { usd: Number((usd * (query.factor ?? 1)).toPrecision(10)), publishedAt: item.publicationDate };
    }
  }
  return undefined;
}

/** Current prices of one region read through the Price List API, with the newest publication date among them. */
export interface LivePrices {
  readonly prices: RegionPrices;
  /** YYYY-MM-DD of the newest offer read. */
  readonly publishedAt: string;
}

/**
 * Reads every price of {@link PRICE_QUERIES} for `region` through GetProducts (one query each, four
 * at a time), and with `redis` the ElastiCache prices of that engine and node type.
 */
export async function fetchRegionPrices(client: PricingClient, region: string, redis?: RedisPriceSpec): Promise<LivePrices> {
  const entries: [readonly string[], PriceQuery][] = [
    ...Object.entries(PRICE_QUERIES).map(([path, query]): [readonly string[], PriceQuery] => [path.split('.'), query]),
    ...(redis ? elastiCacheQueries(redis) : []),
  ];
  const found: Record<string, unknown> = {};
  let newest = '';
  const queue = [...entries];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [path, query] = next;
      const filters: { Type: FilterType; Field: string; Value: string }[] = query.global
        ? [{ Type: 'TERM_MATCH', Field: 'usagetype', Value: query.usageType }]
        : [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }, { Type: 'CONTAINS', Field: 'usagetype', Value: query.usageType }];
      for (const [Field, Value] of Object.entries(query.attributes ?? {})) filters.push({ Type: 'TERM_MATCH', Field, Value });
      let token: string | undefined;
      let price: ReturnType<typeof parsePriceList>;
      do {
        const page: GetProductsCommandOutput = await client.send(new GetProductsCommand({
          ServiceCode: query.serviceCode, Filters: filters, FormatVersion: 'aws_v1', MaxResults: 100, NextToken: token,
        }));
        price = parsePriceList(page.PriceList ?? [], query, region);
        token = page.NextToken;
      } while (!price && token);
      if (!price) throw new Error(`no on-demand price for ${query.serviceCode} ${query.usageType} in ${region}`);
      let target = found;
      for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[path[path.length - 1]] = price.usd;
      if (price.publishedAt && price.publishedAt > newest) newest = price.publishedAt;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { prices: found as unknown as RegionPrices, publishedAt: (newest || new Date().toISOString()).slice(0, 10) };
}

/** Which prices an estimate used, and from when. */
export interface PriceSource {
  readonly kind: 'price-list-api' | 'bundled';
  /** YYYY-MM-DD: the newest offer read from the API, or the bundled book's `asOf`. */
  readonly asOf: string;
  /** Why the bundled book was used when the API was asked for (no credentials, no network…). */
  readonly fallbackReason?: string;
}

/** `--prices`: `auto` tries the Price List API and falls back to the book; `aws` insists; `bundled` never calls AWS. */
export const PRICE_MODES = ['auto', 'aws', 'bundled'] as const;
export type PriceMode = (typeof PRICE_MODES)[number];

/**
 * The price book to estimate with: the bundled one, or a copy whose region entry holds the Price
 * List API's current prices. The Price List API answers only in us-east-1, eu-central-1 and
 * ap-south-1, whatever the environment's region.
 */
export async function resolvePrices(input: {
  readonly mode: PriceMode;
  readonly region: string;
  readonly book: PriceBook;
  readonly client: () => PricingClient;
  /** The scale-out Redis, whose ElastiCache prices are read too. */
  readonly redis?: RedisPriceSpec;
}): Promise<{ book: PriceBook; source: PriceSource }> {
  const bundled = { book: input.book, source: { kind: 'bundled' as const, asOf: input.book.asOf } };
  if (input.mode === 'bundled') return bundled;
  const client = input.client();
  try {
    const live = await fetchRegionPrices(client, input.region, input.redis);
    // What no query covers (Cloud Map's flat prices) keeps the bundled book's value.
    const prices = { ...input.book.regions[input.region], ...live.prices };
    return {
      book: { ...input.book, asOf: live.publishedAt, regions: { ...input.book.regions, [input.region]: prices } },
      source: { kind: 'price-list-api', asOf: live.publishedAt },
    };
  } catch (err) {
    if (input.mode === 'aws') throw err;
    return { ...bundled, source: { ...bundled.source, fallbackReason: messageOf(err) } };
  } finally {
    client.destroy();
  }
}
