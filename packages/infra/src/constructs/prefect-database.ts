/** Where Prefect's database is and the RDS-managed secret holding its master user. */
export interface PrefectDatabaseConnection {
  /** Aurora writer endpoint host. */
  readonly host: string;
  /** PostgreSQL port. */
  readonly port: number;
  /** Database name. */
  readonly name: string;
  /** ARN of the RDS-managed secret `{"username", "password"}`. */
  readonly secretArn: string;
}

/**
 * The `PREFECT_SERVER_DATABASE_*` settings of every task that opens Prefect's database
 * (the server, the migration task): user and password through ECS `secrets` (JSON keys of
 * the RDS secret, read when the task starts), so they never appear in a task definition;
 * Prefect assembles the URL itself.
 */
export function prefectDatabaseSettings(db: PrefectDatabaseConnection): {
  environment: Record<string, string>;
  secrets: Record<string, string>;
} {
  return {
    environment: {
      PREFECT_SERVER_DATABASE_DRIVER: 'postgresql+asyncpg',
      PREFECT_SERVER_DATABASE_HOST: db.host,
      PREFECT_SERVER_DATABASE_PORT: String(db.port),
      PREFECT_SERVER_DATABASE_NAME: db.name,
    },
    secrets: {
      PREFECT_SERVER_DATABASE_USER: `${db.secretArn}:username::`,
      PREFECT_SERVER_DATABASE_PASSWORD: `${db.secretArn}:password::`,
    },
  };
}
