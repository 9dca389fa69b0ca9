import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { loadConfig } from '@blog-data/config';
import { BUNDLED_ONLY_PRICES, estimateCost, fetchRegionPrices, loadPriceBook, parsePriceList, PRICE_QUERIES, resolvePrices } from '../src';

/** GetProducts answers in the API's shape for eu-west-2 (see the fixture's `_about`). */
const FIXTURE = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'price-list-eu-west-2.json'), 'utf8')) as { products: Record<string, unknown[]> };

/**
 * A Pricing client that answers GetProducts from the fixture as the API does: the service's
 * products that pass every filter (TERM_MATCH = equal, CONTAINS = substring), two per page.
 */
function recordedPricing() {
  const calls: GetProductsCommand['input'][] = [];
  const client = {
    calls,
    destroyed: false,
    async send(command: GetProductsCommand) {
      const input = command.input;
      calls.push(input);
      const matching = (FIXTURE.products[input.ServiceCode!] ?? []).filter((p) => {
        const { attributes: own, productFamily } = (p as { product: { productFamily: string; attributes: Record<string, string> } }).product;
        const attributes: Record<string, string> = { ...own, productFamily };
        return (input.Filters ?? []).every((f) => (f.Type === 'CONTAINS' ? attributes[f.Field!]?.includes(f.Value!) : attributes[f.Field!] === f.Value));
      });
      const start = Number(input.NextToken ?? 0);
      const page = matching.slice(start, start + 2);
      return { PriceList: page.map((p) => JSON.stringify(p)), FormatVersion: 'aws_v1', NextToken: start + 2 < matching.length ? String(start + 2) : undefined };
    },
    destroy() {
      this.destroyed = true;
    },
  };
  return client;
}

describe('prices from the AWS Price List API', () => {
  const book = loadPriceBook();

  it('reads every price of the book from GetProducts answers, in the book\'s units', async () => {
    const client = recordedPricing();
    const live = await fetchRegionPrices(client as unknown as PricingClient, 'eu-west-2');
    expect(live.publishedAt).toBe('2026-10-06');
    expect(live.prices).toEqual({
      fargate: { vcpuHour: 0.04656, gbHour: 0.00511 },
      // The trust-store hours and the NLB's LCUs are in the same answers; only the ALB's are taken.
      alb: { hour: 0.02646, lcuHour: 0.0084 },
      // I/O is listed per request: $0.0000002 × 1e6 = $0.20 per million.
      aurora: { acuHour: 0.14, storageGbMonth: 0.1, ioPerMillion: 0.2 },
      ecr: { storageGbMonth: 0.1 },
      // The metric's first tier (0–10,000), not the cheaper ones after it.
      logs: { ingestGb: 0.5985, storageGbMonth: 0.0315, metricMonth: 0.3 },
      kms: { keyMonth: 1 },
      secretsManager: { secretMonth: 0.4 },
      nat: { hour: 0.05, gbProcessed: 0.05 },
      // Tiers come in any order: the first (beginRange 0) is taken.
      vpcEndpoint: { azHour: 0.011, gbProcessed: 0.01 },
      publicIpv4: { hour: 0.005 },
      cloudfront: { httpsRequestsPerMillion: 1.2, dataOutGb: 0.085, toOriginGb: 0.02 },
    });
    // Same sections and fields as the bundled book, so the estimate reads either (ElastiCache only
    // when asked for; Cloud Map's flat prices come from the book in both paths: resolvePrices keeps them).
    expect(client.calls.some((c) => c.ServiceCode === 'AmazonElastiCache')).toBe(false);
    expect(BUNDLED_ONLY_PRICES).toEqual(['cloudMap']);
    for (const [section, fields] of Object.entries(book.regions['eu-west-2']).filter(([k]) => k !== 'elasticache' && !BUNDLED_ONLY_PRICES.includes(k))) {
      expect(Object.keys((live.prices as unknown as Record<string, object>)[section]).sort()).toEqual(Object.keys(fields).sort());
    }
    // Region queries filter on regionCode; CloudFront's are global.
    expect(client.calls.find((c) => c.ServiceCode === 'AWSELB')!.Filters).toEqual(expect.arrayContaining([
      { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-2' }, { Type: 'CONTAINS', Field: 'usagetype', Value: 'LoadBalancerUsage' },
    ]));
    expect(client.calls.filter((c) => c.ServiceCode === 'AmazonCloudFront').every((c) => !c.Filters!.some((f) => f.Field === 'regionCode'))).toBe(true);
  });

  it('reads the scale-out Redis prices of the configured engine and node type, one product per query', async () => {
    const client = recordedPricing();
    const live = await fetchRegionPrices(client as unknown as PricingClient, 'eu-west-2', { engine: 'valkey', nodeType: 'cache.t4g.micro' });
    // Valkey's, not Redis OSS's or Memcached's under the same usage types; ECPUs listed one by one, priced per million.
    expect(live.prices.elasticache).toEqual({ valkey: { serverlessGbHour: 0.0953, serverlessEcpuPerMillion: 0.0026, nodeHour: { 'cache.t4g.micro': 0.01472 } } });
    const redis = await fetchRegionPrices(recordedPricing() as unknown as PricingClient, 'eu-west-2', { engine: 'redis', nodeType: 'cache.t4g.micro' });
    expect(redis.prices.elasticache).toEqual({ redis: { serverlessGbHour: 0.143, serverlessEcpuPerMillion: 0.0039, nodeHour: { 'cache.t4g.micro': 0.0184 } } });
    // The same values as the bundled book's eu-west-2 entry.
    expect(book.regions['eu-west-2'].elasticache?.valkey).toMatchObject({ serverlessGbHour: 0.0953, serverlessEcpuPerMillion: 0.0026, nodeHour: { 'cache.t4g.micro': 0.01472 } });
    // Each query names the engine and the product family: those pick exactly one product.
    const queries = client.calls.filter((c) => c.ServiceCode === 'AmazonElastiCache');
    expect(queries).toHaveLength(3);
    for (const q of queries) {
      expect(q.Filters).toEqual(expect.arrayContaining([{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-2' }, { Type: 'TERM_MATCH', Field: 'cacheEngine', Value: 'Valkey' }]));
      const product = await recordedPricing().send(new GetProductsCommand(q));
      expect(product.PriceList).toHaveLength(1);
    }
    expect(queries.map((q) => q.Filters!.find((f) => f.Field === 'productFamily')!.Value).sort()).toEqual(['Cache Instance', 'ElastiCache Serverless', 'ElastiCache Serverless']);
  });

  it('estimates a scale-out environment from the live ElastiCache prices', async () => {
    const config = loadConfig({ env: 'prod', environ: { PLATFORM_SCALE__MODE: 'scale-out', PLATFORM_SCALE__REDIS__KIND: 'replication-group' } });
    const { book: live, source } = await resolvePrices({
      mode: 'aws', region: 'eu-west-2', book, client: () => recordedPricing() as unknown as PricingClient, redis: config.scale.redis,
    });
    expect(source.kind).toBe('price-list-api');
    const e = estimateCost(config, live, undefined, source);
    expect(e.items.find((i) => i.id === 'redis-nodes')).toMatchObject({ quantity: 1460, unitPriceUsd: 0.01472, monthlyUsd: 21.49 });
    // A node type the API has no product for fails like any missing price.
    await expect(fetchRegionPrices(recordedPricing() as unknown as PricingClient, 'eu-west-2', { engine: 'valkey', nodeType: 'cache.r7g.large' }))
      .rejects.toThrow('no on-demand price for AmazonElastiCache NodeUsage:cache.r7g.large in eu-west-2');
  });

  it('reads the bare usage types of us-east-1 and refuses a product of another region', () => {
    const product = (usagetype: string) => JSON.stringify({
      product: { attributes: { usagetype } },
      terms: { OnDemand: { 'X.JRTCKXETXF': { priceDimensions: { 'X.JRTCKXETXF.6YS6EN2CT7': { unit: 'Hrs', beginRange: '0', pricePerUnit: { USD: '0.0050000000' } } } } } },
    });
    const query = PRICE_QUERIES['publicIpv4.hour'];
    expect(parsePriceList([product('PublicIPv4:InUseAddress')], query, 'us-east-1')).toEqual({ usd: 0.005 });
    expect(parsePriceList([product('USE1-PublicIPv4:InUseAddress')], query, 'us-east-1')).toEqual({ usd: 0.005 });
    expect(parsePriceList([product('EUW2-PublicIPv4:InUseAddress')], query, 'us-east-1')).toBeUndefined();
    expect(parsePriceList([product('PublicIPv4:InUseAddress')], query, 'eu-west-2')).toBeUndefined();
  });

  it('estimates with the live prices and says so, with the offers\' date', async () => {
    const client = recordedPricing();
    const { book: live, source } = await resolvePrices({ mode: 'auto', region: 'eu-west-2', book, client: () => client as unknown as PricingClient });
    expect(source).toEqual({ kind: 'price-list-api', asOf: '2026-10-06' });
    expect(client.destroyed).toBe(true);
    const e = estimateCost(loadConfig({ env: 'prod', environ: {} }), live, undefined, source);
    expect(e.priceSource).toEqual(source);
    expect(e.notes[0]).toBe('On-demand list prices of eu-west-2 read now through the AWS Price List API (offers published up to 2026-10-06; no free tier, discounts or tax).');
    // A private endpoint's Cloud Map lines keep the bundled prices on the live path.
    expect(live.regions['eu-west-2'].cloudMap).toEqual(book.regions['eu-west-2'].cloudMap);
    const privateDev = estimateCost(loadConfig({ env: 'dev', environ: { PLATFORM_ENDPOINT: 'private' } }), live, undefined, source);
    expect(privateDev.items.find((i) => i.id === 'cloud-map-zone')).toMatchObject({ quantity: 1, unitPriceUsd: 0.5, monthlyUsd: 0.5 });
    expect(privateDev.items.map((i) => i.id)).not.toContain('alb-hours');
  });

  it('falls back to the bundled book when the API fails (no credentials), naming why', async () => {
    const failing = { send: async () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })), destroy: () => undefined };
    const { book: used, source } = await resolvePrices({ mode: 'auto', region: 'eu-west-2', book, client: () => failing as unknown as PricingClient });
    expect(used).toBe(book);
    expect(source).toEqual({ kind: 'bundled', asOf: book.asOf, fallbackReason: 'CredentialsProviderError: Could not load credentials from any providers' });
    const e = estimateCost(loadConfig({ env: 'dev', environ: {} }), used, undefined, source);
    expect(e.notes[0]).toBe(`On-demand list prices of eu-west-2 from the bundled price book as of ${book.asOf} (no free tier, discounts or tax), `
      + 'because the Price List API failed: CredentialsProviderError: Could not load credentials from any providers; verify them on the AWS pricing pages before budgeting.');
    // --prices aws insists: the failure is the command's error.
    await expect(resolvePrices({ mode: 'aws', region: 'eu-west-2', book, client: () => failing as unknown as PricingClient })).rejects.toThrow('Could not load credentials');
    // --prices bundled never builds a client.
    const never = () => {
      throw new Error('no client expected');
    };
    await expect(resolvePrices({ mode: 'bundled', region: 'eu-west-2', book, client: never })).resolves.toEqual({ book, source: { kind: 'bundled', asOf: book.asOf } });
  });

  it('fails a region the API has no product for instead of pricing it at zero', async () => {
    await expect(fetchRegionPrices(recordedPricing() as unknown as PricingClient, 'eu-west-1')).rejects.toThrow(/^no on-demand price for \w+ .* in eu-west-1$/);
  });
});
