/** Where the scale-out mode's Redis is and the secrets a task needs to use it. */
export interface PrefectRedisConnection {
  /** Primary endpoint host of the cache. */
  readonly host: string;
  /** Port (6379). */
  readonly port: number;
  /** ElastiCache RBAC user. */
  readonly username: string;
  /** Secret holding the user's password (the whole string). */
  readonly passwordSecretArn: string;
  /** Secret holding Docket's `rediss://user:password@host:port/1` URL. */
  readonly docketUrlSecretArn: string;
}

/** The module prefect-redis provides for each pluggable server component. */
export const PREFECT_REDIS_MODULES = {
  messaging: 'prefect_redis.messaging',
  ordering: 'prefect_redis.ordering',
  leaseStorage: 'prefect_redis.lease_storage',
} as const;

/**
 * The settings that move a Prefect 3.8.3 server's messaging onto Redis, exactly as Prefect
 * documents them (docs/v3/advanced/self-hosted.mdx, "Redis setup" and "Docket URL for background
 * services"; the sources are cited line by line in packages/infra/README.md). Every API server and
 * background-services task gets the same set, or events published by one would never reach the
 * others. The password and the Docket URL (which holds it) come through ECS `secrets`.
 */
export function prefectRedisSettings(redis: PrefectRedisConnection): {
  environment: Record<string, string>;
  secrets: Record<string, string>;
} {
  return {
    environment: {
      // PREFECT_MESSAGING_BROKER / _CACHE are accepted aliases of the same fields (events.py); the
      // documented names are used, and only one of each, so no alias order decides.
      PREFECT_SERVER_EVENTS_MESSAGING_BROKER: PREFECT_REDIS_MODULES.messaging,
      PREFECT_SERVER_EVENTS_MESSAGING_CACHE: PREFECT_REDIS_MODULES.messaging,
      PREFECT_SERVER_EVENTS_CAUSAL_ORDERING: PREFECT_REDIS_MODULES.ordering,
      PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE: PREFECT_REDIS_MODULES.leaseStorage,
      PREFECT_REDIS_MESSAGING_HOST: redis.host,
      PREFECT_REDIS_MESSAGING_PORT: String(redis.port),
      PREFECT_REDIS_MESSAGING_DB: '0',
      PREFECT_REDIS_MESSAGING_USERNAME: redis.username,
      // ElastiCache here always requires TLS (serverless by design, the replication group by setting).
      PREFECT_REDIS_MESSAGING_SSL: 'true',
    },
    secrets: {
      PREFECT_REDIS_MESSAGING_PASSWORD: redis.passwordSecretArn,
      PREFECT_SERVER_DOCKET_URL: redis.docketUrlSecretArn,
    },
  };
}
