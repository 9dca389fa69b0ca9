import { load, problemsOf } from './config-problems';

describe('scale (single server or scale-out with Redis)', () => {
  it('defaults to the single server in every environment, with the scale-out shape ready', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      expect(load(env).scale).toEqual({
        mode: 'single',
        api: { minReplicas: 2, maxReplicas: 4, requestsPerTarget: 1000, cpuPercent: 60 },
        services: { replicas: 1 },
        redis: { kind: 'serverless', engine: 'valkey', nodeType: 'cache.t4g.micro', replicas: 1, maxStorageGb: 1, maxEcpuPerSecond: 5000 },
        auroraReader: false,
      });
    }
  });

  it('switches to scale-out with one variable and takes every field from PLATFORM_SCALE__…', () => {
    const scale = load('staging', {
      PLATFORM_SCALE__MODE: 'scale-out',
      PLATFORM_SCALE__API__MAX_REPLICAS: '6',
      PLATFORM_SCALE__API__REQUESTS_PER_TARGET: '500',
      PLATFORM_SCALE__SERVICES__REPLICAS: '2',
      PLATFORM_SCALE__REDIS__KIND: 'replication-group',
      PLATFORM_SCALE__REDIS__REPLICAS: '0',
      PLATFORM_SCALE__AURORA_READER: 'true',
    }).scale;
    expect(scale).toMatchObject({
      mode: 'scale-out',
      api: { minReplicas: 2, maxReplicas: 6, requestsPerTarget: 500, cpuPercent: 60 },
      services: { replicas: 2 },
      redis: { kind: 'replication-group', replicas: 0 },
      auroraReader: true,
    });
  });

  it.each([
    [{ PLATFORM_SCALE__MODE: 'cluster' }, 'dev.scale.mode: must be one of single, scale-out'],
    [{ PLATFORM_SCALE__API__MIN_REPLICAS: '0' }, 'dev.scale.api.minReplicas: must be 1–20'],
    [{ PLATFORM_SCALE__API__MAX_REPLICAS: '1' }, 'dev.scale.api.maxReplicas: must be ≥ minReplicas (2)'],
    [{ PLATFORM_SCALE__API__CPU_PERCENT: '95' }, 'dev.scale.api.cpuPercent: must be 10–90 %'],
    [{ PLATFORM_SCALE__API__REQUESTS_PER_TARGET: '5' }, 'dev.scale.api.requestsPerTarget: must be 10–100000 requests per minute'],
    [{ PLATFORM_SCALE__SERVICES__REPLICAS: '11' }, 'dev.scale.services.replicas: must be 1–10'],
    [{ PLATFORM_SCALE__REDIS__KIND: 'memcached' }, 'dev.scale.redis.kind: must be one of serverless, replication-group'],
    [{ PLATFORM_SCALE__REDIS__ENGINE: 'keydb' }, 'dev.scale.redis.engine: must be valkey or redis'],
    [{ PLATFORM_SCALE__REDIS__NODE_TYPE: 't4g.micro' }, 'dev.scale.redis.nodeType: must be an ElastiCache node type such as cache.t4g.micro'],
    [{ PLATFORM_SCALE__REDIS__REPLICAS: '6' }, 'dev.scale.redis.replicas: must be 0–5'],
    [{ PLATFORM_SCALE__REDIS__MAX_STORAGE_GB: '0' }, 'dev.scale.redis.maxStorageGb: must be 1–5000 GB'],
    [{ PLATFORM_SCALE__REDIS__MAX_ECPU_PER_SECOND: '10' }, 'dev.scale.redis.maxEcpuPerSecond: must be 1000–15000000'],
    [{ PLATFORM_SCALE__AURORA_READER: 'yes' }, 'dev.scale.auroraReader: Invalid input: expected boolean, received string'],
  ])('refuses %j with one line naming the field', (environ, expected) => {
    expect(problemsOf(() => load('dev', environ))).toEqual([expected]);
  });
});
