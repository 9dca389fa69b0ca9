import { PrefectDatabaseConnection, prefectDatabaseSettings } from './prefect-database';
import { PrefectRedisConnection, prefectRedisSettings } from './prefect-messaging';

/**
 * The settings of every task that serves from Prefect's database (the API server, the background
 * services): the database (`PREFECT_SERVER_DATABASE_*`), no migration on start, no analytics, and in
 * the scale-out mode the prefect-redis messaging. One function, so the serving tasks cannot differ.
 */
export function prefectServingSettings(database: PrefectDatabaseConnection, redis?: PrefectRedisConnection): {
  environment: Record<string, string>;
  secrets: Record<string, string>;
} {
  const db = prefectDatabaseSettings(database);
  const messaging = redis ? prefectRedisSettings(redis) : { environment: {}, secrets: {} };
  return {
    environment: {
      ...db.environment,
      // Migrations are their own deploy step (MigrationTask), never run by a serving task.
      // Prefect 3.8.3 reads this as server.database.migrate_on_start; PREFECT_API_DATABASE_MIGRATE_ON_START
      // is the older alias of the same field (src/prefect/settings/models/server/database.py, lines 253-261).
      PREFECT_SERVER_DATABASE_MIGRATE_ON_START: 'false',
      PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
      ...messaging.environment,
    },
    secrets: { ...db.secrets, ...messaging.secrets },
  };
}
