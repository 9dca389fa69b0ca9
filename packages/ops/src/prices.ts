import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@blog-data/cli-kit';
import type { ScaleSettings } from '@blog-data/config';

/** List prices of one region, USD. */
export interface RegionPrices {
  readonly fargate: { readonly vcpuHour: number; readonly gbHour: number };
  readonly alb: { readonly hour: number; readonly lcuHour: number };
  readonly aurora: { readonly acuHour: number; readonly storageGbMonth: number; readonly ioPerMillion: number };
  readonly ecr: { readonly storageGbMonth: number };
  readonly logs: { readonly ingestGb: number; readonly storageGbMonth: number; readonly metricMonth: number };
  readonly kms: { readonly keyMonth: number };
  readonly secretsManager: { readonly secretMonth: number };
  readonly nat: { readonly hour: number; readonly gbProcessed: number };
  readonly vpcEndpoint: { readonly azHour: number; readonly gbProcessed: number };
  readonly publicIpv4: { readonly hour: number };
  /** Edge prices for viewers in North America and Europe (PriceClass_100). */
  readonly cloudfront: { readonly httpsRequestsPerMillion: number; readonly dataOutGb: number; readonly toOriginGb: number };
  /** ElastiCache per engine (the scale-out mode's Redis); the Price List API fills only the configured engine and node type. */
  readonly elasticache?: Readonly<Partial<Record<RedisEngine, ElastiCacheEnginePrices>>>;
  /** A private endpoint's names: the namespace's Route 53 private hosted zone, registered instances, DNS queries. */
  readonly cloudMap: { readonly hostedZoneMonth: number; readonly instanceMonth: number; readonly dnsQueriesPerMillion: number };
}

/** The Redis engines ElastiCache offers (`config.scale.redis.engine`). */
export type RedisEngine = ScaleSettings['redis']['engine'];

/** ElastiCache list prices of one engine. */
export interface ElastiCacheEnginePrices {
  /** Serverless: data stored, per GB-hour. */
  readonly serverlessGbHour: number;
  /** Serverless: per million ElastiCache Processing Units. */
  readonly serverlessEcpuPerMillion: number;
  /** On-demand node-hour per node type, e.g. `cache.t4g.micro`. */
  readonly nodeHour: Readonly<Record<string, number>>;
}

/** Usage the configuration cannot tell; each documented in `assumptionNotes`. */
export interface CostAssumptions {
  readonly hoursPerMonth: number;
  readonly albAverageLcu: number;
  readonly auroraStorageGb: number;
  readonly auroraIoMillionsPerMonth: number;
  readonly ecrStorageGb: number;
  readonly logsIngestGbPerMonth: number;
  readonly natProcessedGbPerMonth: number;
  readonly vpcEndpointProcessedGbPerMonth: number;
  readonly containerInsightsMetricsPerService: number;
  readonly containerInsightsClusterMetrics: number;
  readonly kmsKeys: number;
  readonly secrets: number;
  readonly interfaceEndpoints: number;
  readonly cloudfrontRequestsMillionsPerMonth: number;
  readonly cloudfrontDataOutGbPerMonth: number;
  /** Scale-out Redis: data stored on average (serverless bills at least the engine's minimum). */
  readonly redisStoredGb: number;
  /** Scale-out Redis: million ECPUs a month when the server tasks run around the clock. */
  readonly redisEcpuMillionsPerMonth: number;
  readonly privateDnsQueriesMillionsPerMonth: number;
}

/** `data/aws-prices.json`. */
export interface PriceBook {
  readonly currency: 'USD';
  /** The date the prices were taken (YYYY-MM-DD). */
  readonly asOf: string;
  readonly note: string;
  readonly sources: Readonly<Record<string, string>>;
  /** Per region: when and against what its prices were last checked, and what changed. */
  readonly checked?: Readonly<Record<string, string>>;
  readonly regions: Readonly<Record<string, RegionPrices>>;
  readonly assumptions: CostAssumptions;
  readonly assumptionNotes: Readonly<Record<string, string>>;
  /** The figure to compare against. */
  readonly reference: { readonly label: string; readonly lowUsd: number; readonly highUsd: number };
}

/** The price file shipped with the package (`data/` sits next to both `src/` and `lib/`). */
export const DEFAULT_PRICE_FILE = join(__dirname, '..', 'data', 'aws-prices.json');

/** Loads and sanity-checks a price file. */
export function loadPriceBook(file = DEFAULT_PRICE_FILE): PriceBook {
  let book: PriceBook;
  try {
    book = JSON.parse(readFileSync(file, 'utf8')) as PriceBook;
  } catch (err) {
    throw new UserError('price file is unreadable', file, `restore it from git (${(err as Error).message})`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(book.asOf ?? '') || !book.regions || !book.assumptions || !book.reference) {
    throw new UserError('price file lacks asOf, regions, assumptions or reference', file, 'restore it from git');
  }
  return book;
}

/** The prices of `region`, or an error that lists the regions the file has. */
export function regionPrices(book: PriceBook, region: string, file = DEFAULT_PRICE_FILE): RegionPrices {
  const prices = book.regions[region];
  if (!prices) {
    throw new UserError(`no prices for region ${region}`, file,
      `add a "${region}" entry from the AWS pricing pages (regions priced: ${Object.keys(book.regions).join(', ')})`);
  }
  return prices;
}
