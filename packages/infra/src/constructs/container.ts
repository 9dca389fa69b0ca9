/** One plain environment variable of a container: never a secret. */
export interface EnvironmentVariable {
  readonly name: string;
  readonly value: string;
}

/** A variable ECS fills from Secrets Manager at start (`valueFrom` = secret ARN, optionally `:<json-key>::`). */
export interface SecretVariable {
  readonly name: string;
  readonly valueFrom: string;
}

/** What {@link containerDefinitions} needs for the single container of a task. */
export interface ContainerSpec {
  /** Container name. */
  readonly name: string;
  /** Image reference (`repo:tag` or `repo@sha256:…`). */
  readonly image: string;
  /** Command (arguments to the image's entrypoint); default: the image's. */
  readonly command?: readonly string[];
  /** Plain settings. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Settings read from Secrets Manager. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** CloudWatch log group and the stream prefix. */
  readonly logGroup: string;
  /** Region of the log group. */
  readonly region: string;
  /** Container port to expose, if any. */
  readonly port?: number;
  /** Shell command that exits 0 when healthy. */
  readonly healthCheckCommand?: string;
  /** Hard memory limit of the container, MiB; default none (the task's memory). */
  readonly memory?: number;
  /** Seconds the container may take to become healthy (migrations on first start). */
  readonly healthCheckStartPeriod?: number;
}

/** Names that must never carry a plain value: anything that looks like a credential goes in `secrets`. */
const SECRET_LOOKING = /PASSWORD|SECRET|TOKEN|AUTH_STRING|CONNECTION_URL|PRIVATE_KEY/i;

/**
 * Renders the `container_definitions` JSON of a one-container Fargate task.
 * Refuses plain environment variables whose names look like credentials, so a
 * password can only reach a task through ECS `secrets`.
 */
export function containerDefinitions(spec: ContainerSpec): string {
  const environment = Object.entries(spec.environment ?? {}).map(([name, value]): EnvironmentVariable => ({ name, value }));
  for (const v of environment) {
    if (SECRET_LOOKING.test(v.name)) {
      throw new Error(`containerDefinitions.environment.${v.name}: looks like a credential; pass it in secrets (Secrets Manager)`);
    }
  }
  const secrets = Object.entries(spec.secrets ?? {}).map(([name, valueFrom]): SecretVariable => ({ name, valueFrom }));
  return JSON.stringify([
    {
      name: spec.name,
      image: spec.image,
      essential: true,
      ...(spec.command ? { command: spec.command } : {}),
      ...(spec.memory ? { memory: spec.memory } : {}),
      // Empty lists are left out: ECS drops them, and terraform would see a diff on every plan.
      ...(environment.length > 0 ? { environment } : {}),
      ...(secrets.length > 0 ? { secrets } : {}),
      ...(spec.port ? { portMappings: [{ containerPort: spec.port, hostPort: spec.port, protocol: 'tcp' }] } : {}),
      ...(spec.healthCheckCommand
        ? {
          healthCheck: {
            command: ['CMD-SHELL', spec.healthCheckCommand],
            interval: 30,
            timeout: 5,
            retries: 3,
            startPeriod: spec.healthCheckStartPeriod ?? 60,
          },
        }
        : {}),
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': spec.logGroup,
          'awslogs-region': spec.region,
          'awslogs-stream-prefix': spec.name,
        },
      },
      stopTimeout: 30,
    },
  ]);
}
