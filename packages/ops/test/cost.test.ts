import { UserError } from '@blog-data/cli-kit';
import { loadConfig } from '@blog-data/config';
import { estimateCost, loadPriceBook, main, PriceBook, toCents } from '../src';
import { captureIo } from './cli-io';

/** A config without PLATFORM_* overrides from the shell that runs the tests. */
const config = (env: string, overrides: Record<string, string> = {}) => loadConfig({ env, environ: overrides });
/** Region arithmetic in another region than the configured one (eu-west-2). */
const EU_WEST_1 = { PLATFORM_AWS__REGION: 'eu-west-1' };
const item = (e: ReturnType<typeof estimateCost>, id: string) => {
  const found = e.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${e.items.map((i) => i.id).join(', ')}`);
  return found;
};

describe('cost estimate', () => {
  const book = loadPriceBook();

  it('itemizes the default prod configuration to the cent from the configured region\'s list prices (eu-west-2)', () => {
    const e = estimateCost(config('prod'), book);
    expect(e.region).toBe('eu-west-2');
    // Each expectation: quantity × price from data/aws-prices.json (eu-west-2), rounded to the cent.
    const expected: Record<string, [quantity: number, monthly: number]> = {
      'fargate-server-vcpu': [182.5, 8.5], // 0.25 vCPU × 730 h × $0.04656 = 8.4972
      'fargate-server-memory': [365, 1.87], // 0.5 GB × 730 h × $0.00511 = 1.86515
      'fargate-worker-vcpu': [182.5, 8.5],
      'fargate-worker-memory': [365, 1.87],
      'alb-hours': [730, 19.32], // 730 × $0.02646 = 19.3158
      'alb-lcu': [365, 3.07], // 0.5 LCU × 730 h × $0.0084 = 3.066
      'aurora-acu': [365, 51.1], // min 0.5 ACU × 730 h × $0.14
      'aurora-storage': [5, 0.5], // 5 GB × $0.10
      'aurora-io': [20, 4], // 20 million × $0.20
      'ecr-storage': [2, 0.2],
      'logs-ingest': [2, 1.2], // 2 GB × $0.5985 = 1.197
      'logs-storage': [6, 0.19], // 2 GB/month × 90 days retention / 30 × $0.0315 = 0.189
      'container-insights': [32, 9.6], // prod has Container Insights on: 8 + 2 × 12 metrics × $0.30
      'kms-keys': [1, 1],
      'secrets': [2, 0.8],
      // No domain: the ALB is internal behind CloudFront, so only the server and worker tasks (public subnets) = 2 × 730 h × $0.005
      'public-ipv4': [1460, 7.3],
      'cloudfront-requests': [1, 1.2], // 1 million HTTPS requests × $1.20 (Europe)
      'cloudfront-data-out': [2, 0.17], // 2 GB × $0.085
      'cloudfront-to-origin': [2, 0.04], // 2 GB × $0.02
    };
    expect(Object.fromEntries(e.items.map((i) => [i.id, [i.quantity, i.monthlyUsd]]))).toEqual(expected);
    expect(e.totalUsd).toBe(120.43);
    expect(e).toMatchObject({ env: 'prod', region: 'eu-west-2', currency: 'USD', pricesAsOf: book.asOf, hoursPerMonth: 730 });
  });

  it('compares the total with the manual set-up figure of $46–71', () => {
    const e = estimateCost(config('prod'), book);
    expect(e.reference).toEqual({ label: 'manual set-up (production runbook)', lowUsd: 46, highUsd: 71, differenceUsd: 49.43 });
  });

  it('uses each line\'s own quantity × unit price, so the total is the sum of the rounded lines', () => {
    const e = estimateCost(config('staging', EU_WEST_1), book);
    for (const i of e.items) expect(i.monthlyUsd).toBe(toCents(i.quantity * i.unitPriceUsd));
    expect(e.totalUsd).toBe(toCents(e.items.reduce((s, i) => s + i.monthlyUsd, 0)));
  });

  it('prices the ALB\'s public addresses and no CloudFront with a domain or explicit insecure HTTP (dev)', () => {
    const domain = estimateCost(config('prod', { ...EU_WEST_1, PLATFORM_DOMAIN: '{"name":"prefect.example.com","hostedZoneId":"Z0123456789ABC"}' }), book);
    expect(domain.items.map((i) => i.id).filter((id) => id.startsWith('cloudfront'))).toEqual([]);
    expect(item(domain, 'public-ipv4')).toMatchObject({ quantity: 4 * 730, monthlyUsd: 14.6, description: '4 public IPv4 addresses (ALB 2, server + worker tasks 2)' });
    expect(domain.totalUsd).toBe(toCents(113.37 - 1.2 - 0.17 - 0.04 - 7.3 + 14.6));
    const http = estimateCost(config('dev', { ...EU_WEST_1, PLATFORM_ENDPOINT: 'insecure-http' }), book);
    expect(http.items.map((i) => i.id).filter((id) => id.startsWith('cloudfront'))).toEqual([]);
    expect(http.notes.join('\n')).not.toContain('cloudfront');
  });

  it('adds the NAT gateway hours, its data processing and its public IP only when enabled', () => {
    const off = estimateCost(config('prod', EU_WEST_1), book);
    expect(off.items.map((i) => i.id)).not.toContain('nat-hours');

    const on = estimateCost(config('prod', {
      ...EU_WEST_1,
      PLATFORM_NETWORK__PRIVATE_SUBNETS: 'true',
      PLATFORM_NETWORK__NAT_GATEWAY: 'true',
    }), book);
    expect(item(on, 'nat-hours')).toMatchObject({ quantity: 730, monthlyUsd: 35.04 }); // 730 × $0.048
    expect(item(on, 'nat-data')).toMatchObject({ quantity: 20, monthlyUsd: 0.96, assumed: true }); // 20 GB × $0.048
    // Private tasks lose their public IPs, the NAT gateway gains one (the ALB is internal): NAT 1.
    expect(item(on, 'public-ipv4')).toMatchObject({ quantity: 730, monthlyUsd: 3.65 });
    expect(on.totalUsd).toBe(toCents(113.37 + 35.04 + 0.96 - 7.3 + 3.65));
  });

  it('prices interface endpoints per zone when vpcEndpoints is on', () => {
    const e = estimateCost(config('prod', {
      ...EU_WEST_1,
      PLATFORM_NETWORK__PRIVATE_SUBNETS: 'true',
      PLATFORM_NETWORK__VPC_ENDPOINTS: 'true',
    }), book);
    expect(item(e, 'vpc-endpoints')).toMatchObject({ quantity: 6 * 2 * 730, monthlyUsd: 96.36 }); // 8760 × $0.011
    expect(e.items.map((i) => i.id)).not.toContain('nat-hours');
  });

  it('follows the configured sizes (worker 1024/2048, Aurora min 2 ACU)', () => {
    const e = estimateCost(config('prod', {
      ...EU_WEST_1,
      PLATFORM_WORKER__CPU: '1024',
      PLATFORM_WORKER__MEMORY: '2048',
      PLATFORM_AURORA__MIN_ACU: '2',
      PLATFORM_AURORA__MAX_ACU: '4',
    }), book);
    expect(item(e, 'fargate-worker-vcpu')).toMatchObject({ quantity: 730, monthlyUsd: 29.55 }); // 730 × 0.04048 = 29.5504
    expect(item(e, 'fargate-worker-memory')).toMatchObject({ quantity: 1460, monthlyUsd: 6.49 }); // 1460 × 0.004445 = 6.4897
    expect(item(e, 'aurora-acu')).toMatchObject({ quantity: 1460, monthlyUsd: 189.8 });
  });

  it('prices the default configuration in eu-west-2, the production runbook\'s region', () => {
    const e = estimateCost(config('prod'), book);
    expect(e.region).toBe('eu-west-2');
    expect(item(e, 'alb-hours').monthlyUsd).toBe(19.32); // 730 × $0.02646 = 19.3158
    expect(item(e, 'fargate-server-vcpu').monthlyUsd).toBe(8.5); // 182.5 × $0.04656 = 8.4972
  });

  it('uses us-east-1 prices for an environment there', () => {
    const e = estimateCost(config('prod', { PLATFORM_AWS__REGION: 'us-east-1' }), book);
    expect(item(e, 'alb-hours').monthlyUsd).toBe(16.43); // 730 × $0.0225 = 16.425
    expect(item(e, 'aurora-acu').monthlyUsd).toBe(43.8); // 365 × $0.12
  });

  it('refuses a region the price file does not have, naming the regions it has', () => {
    const run = () => estimateCost(config('prod', { PLATFORM_AWS__REGION: 'ap-southeast-2' }), book, 'data/aws-prices.json');
    expect(run).toThrow(UserError);
    expect(run).toThrow('no prices for region ap-southeast-2 (data/aws-prices.json): add a "ap-southeast-2" entry from the AWS pricing pages (regions priced: us-east-1, eu-west-2, eu-west-1)');
  });

  it('ships prices with a date and a source page for every service', () => {
    expect(book.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const region of ['eu-west-1', 'eu-west-2', 'us-east-1']) {
      expect(Object.keys(book.regions[region]).sort()).toEqual(Object.keys(book.sources).sort());
    }
  });

  it('does not fail silently on a price book without the region\'s entry', () => {
    const partial: PriceBook = { ...book, regions: { 'us-east-1': book.regions['us-east-1'] } };
    expect(() => estimateCost(config('prod', EU_WEST_1), partial)).toThrow(/no prices for region eu-west-1/);
  });
});

describe('cost of the capacity knobs (scale section)', () => {
  const book = loadPriceBook();
  const single = estimateCost(config('prod'), book);

  it('prices scale-out: 2 API tasks, 1 background-services task at the server size, and their public addresses', () => {
    const e = estimateCost(config('prod', { PLATFORM_SCALE__MODE: 'scale-out' }), book);
    const lines = Object.fromEntries(e.items.map((i) => [i.id, [i.quantity, i.monthlyUsd]]));
    expect(lines['fargate-server-vcpu']).toEqual([365, 16.99]); // 0.25 vCPU × 2 × 730 h × $0.04656 = 16.9944
    expect(lines['fargate-server-memory']).toEqual([730, 3.73]); // 0.5 GB × 2 × 730 h × $0.00511 = 3.7303
    expect(lines['fargate-services-vcpu']).toEqual([182.5, 8.5]);
    expect(lines['fargate-services-memory']).toEqual([365, 1.87]);
    // Public subnets: 2 API + 1 services + 1 worker = 4 addresses × 730 h × $0.005.
    expect(lines['public-ipv4']).toEqual([2920, 14.6]);
    expect(item(e, 'fargate-server-vcpu').description).toContain('2 tasks (api.minReplicas; up to 4 under load, not counted)');
    // Container Insights watches a third service; Redis adds two secrets (password, Docket URL).
    expect(lines['container-insights']).toEqual([44, 13.2]); // 8 + 3 × 12 metrics × $0.30
    expect(lines.secrets).toEqual([4, 1.6]);
    // Valkey Serverless (the default): never less than its 0.1 GB minimum, around the clock; ECPUs while the tasks run.
    expect(lines['redis-storage']).toEqual([73, 6.96]); // max(0.05 assumed, 0.1 minimum) GB × 730 h × $0.0953
    expect(lines['redis-ecpu']).toEqual([100, 0.26]); // 100 million × $0.0026
    expect(item(e, 'redis-storage').description).toBe("Valkey Serverless: 0.1 GB stored × 730 h (the engine's 0.1 GB minimum), always on");
    expect(item(e, 'redis-storage').assumed).toBe(true);
    const tasks = (16.99 - 8.5) + (3.73 - 1.87) + 8.5 + 1.87 + (14.6 - 7.3);
    expect(e.totalUsd).toBe(toCents(single.totalUsd + tasks + (13.2 - 9.6) + (1.6 - 0.8) + 6.96 + 0.26));
    expect(e.totalUsd).toBe(160.07);
    const notes = e.notes.join('\n');
    expect(notes).not.toContain('not priced');
    expect(notes).toContain('Redis (scale.redis: Valkey Serverless) bills data stored around the clock, at least 0.1 GB for Valkey (0.05 GB assumed stored)');
    expect(notes).toContain('Assumption redisStoredGb = 0.05: ');
    expect(notes).toContain('Assumption redisEcpuMillionsPerMonth = 100: ');
  });

  it('prices Redis OSS Serverless at its 1 GB minimum, which makes it the dearest choice', () => {
    const e = estimateCost(config('prod', { PLATFORM_SCALE__MODE: 'scale-out', PLATFORM_SCALE__REDIS__ENGINE: 'redis' }), book);
    expect(item(e, 'redis-storage')).toMatchObject({ quantity: 730, monthlyUsd: 104.39 }); // 1 GB × 730 h × $0.143
    expect(item(e, 'redis-ecpu')).toMatchObject({ quantity: 100, monthlyUsd: 0.39 });
  });

  it('prices a replication group per node-hour, primary + replicas, always on (no ECPU or storage lines)', () => {
    const e = estimateCost(config('dev', { PLATFORM_SCALE__MODE: 'scale-out', PLATFORM_SCALE__REDIS__KIND: 'replication-group' }), book);
    expect(item(e, 'redis-nodes')).toMatchObject({
      quantity: 2 * 730,
      unitPriceUsd: 0.01472,
      monthlyUsd: 21.49,
      assumed: false,
      description: 'Valkey replication group: 2 × cache.t4g.micro (primary + 1 replica) × 730 h, always on',
    });
    expect(e.items.map((i) => i.id).filter((id) => id.startsWith('redis'))).toEqual(['redis-nodes']);
    expect(e.notes.join('\n')).not.toContain('redisStoredGb');
    const primaryOnly = estimateCost(config('dev', { PLATFORM_SCALE__MODE: 'scale-out', PLATFORM_SCALE__REDIS__KIND: 'replication-group', PLATFORM_SCALE__REDIS__REPLICAS: '0' }), book);
    expect(item(primaryOnly, 'redis-nodes')).toMatchObject({ quantity: 730, monthlyUsd: 10.75, description: expect.stringContaining('1 × cache.t4g.micro (primary) × 730 h') });
  });

  it('scales the ECPUs with the schedule but not the stored data: the cache does not sleep', () => {
    const dev = estimateCost(config('dev', { PLATFORM_SCALE__MODE: 'scale-out' }), book);
    expect(item(dev, 'redis-storage')).toMatchObject({ quantity: 73 });
    expect(item(dev, 'redis-ecpu')).toMatchObject({ quantity: 32.74 }); // 100 million × 238.99 / 730 h
  });

  it('refuses a node type or engine the price book does not have, naming the file and the key to add', () => {
    expect(() => estimateCost(config('prod', { PLATFORM_SCALE__MODE: 'scale-out', PLATFORM_SCALE__REDIS__KIND: 'replication-group', PLATFORM_SCALE__REDIS__NODE_TYPE: 'cache.r7g.large' }), book))
      .toThrow(UserError);
    expect(() => estimateCost(config('prod', { PLATFORM_SCALE__MODE: 'scale-out', PLATFORM_SCALE__REDIS__KIND: 'replication-group', PLATFORM_SCALE__REDIS__NODE_TYPE: 'cache.r7g.large' }), book))
      .toThrow('no ElastiCache valkey price for node type cache.r7g.large in eu-west-2');
    const { elasticache: _dropped, ...withoutRedis } = book.regions['eu-west-2'];
    const bare: PriceBook = { ...book, regions: { ...book.regions, 'eu-west-2': withoutRedis } };
    expect(() => estimateCost(config('prod', { PLATFORM_SCALE__MODE: 'scale-out' }), bare)).toThrow('no ElastiCache valkey prices for region eu-west-2');
    // The single mode never reads them.
    expect(estimateCost(config('prod'), bare).totalUsd).toBe(120.43);
  });

  it('prices the Aurora reader at the writer\'s floor, and pausing with the cluster outside prod', () => {
    const prod = estimateCost(config('prod', { PLATFORM_SCALE__AURORA_READER: 'true' }), book);
    expect(item(prod, 'aurora-reader-acu')).toMatchObject({ quantity: 365, monthlyUsd: 51.1 });
    const dev = estimateCost(config('dev', { PLATFORM_SCALE__AURORA_READER: 'true' }), book);
    expect(item(dev, 'aurora-reader-acu')).toMatchObject({ quantity: item(dev, 'aurora-acu').quantity, monthlyUsd: item(dev, 'aurora-acu').monthlyUsd });
  });

  it('leaves the single mode as it was: one server task, no services or reader lines', () => {
    expect(single.items.map((i) => i.id).filter((id) => id.includes('services') || id.includes('reader'))).toEqual([]);
    expect(single.totalUsd).toBe(120.43);
  });
});

describe('platform-ops cost', () => {
  const book = loadPriceBook();
  const run = async (args: string[], environ: NodeJS.ProcessEnv = {}, tty = false) => {
    const io = captureIo(environ, { tty });
    const code = await main(args, io);
    return { code, out: io.stdout.text, err: io.stderr.text };
  };

  it('prints JSON with --json', async () => {
    const res = await run(['cost', '--env', 'prod', '--json', '--prices', 'bundled']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ region: 'eu-west-2', totalUsd: 120.43, reference: { differenceUsd: 49.43 }, priceSource: { kind: 'bundled', asOf: book.asOf } });
  });

  it('prints a table with the price source, the total and the comparison', async () => {
    const res = await run(['cost', '--env', 'prod', '--prices', 'bundled']);
    expect(res.out).toContain(`cost: environment prod in eu-west-2, 730 h/month, list prices from the bundled book as of ${book.asOf}`);
    expect(res.out).toMatch(/Aurora Serverless v2 +minimum capacity 0\.5 ACU .* 365 ACU-hours +\$0\.14 +\$51\.10/);
    expect(res.out).toContain('total: $120.43 per month');
    expect(res.out).toContain('$49.43 above the manual set-up (production runbook) figure of $46–71/month');
  });

  it('refuses an unknown --prices source with the flag named', async () => {
    const res = await run(['cost', '--env', 'prod', '--prices', 'live']);
    expect(res.code).toBe(2);
    expect(res.err).toContain('"live" is not a price source (--prices): pass one of auto, aws, bundled');
  });

  it('reports an unknown region as one error line and exit 1', async () => {
    const res = await run(['cost', '--env', 'prod', '--prices', 'bundled'], { PLATFORM_AWS__REGION: 'sa-east-1' });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^error: no prices for region sa-east-1 \(.*aws-prices\.json\): add a "sa-east-1" entry .*\n$/);
  });

  it('reports an invalid setting with the field and exit 2', async () => {
    const res = await run(['cost', '--env', 'prod'], { PLATFORM_AURORA__MIN_ACU: '3' });
    expect(res.code).toBe(2);
    expect(res.err).toBe('error: prod.aurora.maxAcu: must be ≥ minAcu (3) (from PLATFORM_AURORA__MIN_ACU): change or unset PLATFORM_AURORA__MIN_ACU\n');
  });
});
