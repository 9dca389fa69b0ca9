import { messageOf } from '@blog-data/cli-kit';
import type { PlatformConfig } from '@blog-data/config';
import { indexPlatforms, RegistryClient } from '@blog-data/oci-registry';
import { estimateCost } from '../cost';
import { runDoctor } from '../doctor';
import type { AwsClients } from '../doctor/types';
import { ecrAccess, EcrAccess } from '../ecr-access';
import type { InfraOutputs } from '../infra-outputs';
import { readDeployerPlan } from './deployer-plan';
import { ImageReference, readPinnedImages } from './pinned-images';
import type { PlatformSnapshot, SectionError } from './platform-snapshot';

/** Everything the snapshot is assembled from. */
export interface SnapshotSources {
  readonly config: PlatformConfig;
  readonly outputs: InfraOutputs;
  readonly aws: AwsClients;
  /** The Prefect API's basic-auth string (for doctor's API checks). */
  readonly apiAuthString?: string;
  /** Prefect base URL instead of the `prefect_url` output. */
  readonly prefectUrl?: string;
  /** Registry to read manifests from instead of the one in the image reference (`host[:port]` or a URL). */
  readonly registry?: string;
  /** A saved `flows-deployer plan --json`. */
  readonly planFile?: string;
  /** Time limit of each HTTP request doctor and the registry reads make, ms. */
  readonly httpTimeoutMs: number;
  readonly now?: () => Date;
}

/** The outputs a person looks at first, in this order (absent ones are skipped). */
const SHOWN_OUTPUTS = ['prefect_url', 'prefect_api_url', 'ecs_cluster_name', 'ecr_repository_url', 'alb_dns_name', 'log_group_api', 'log_group_worker'] as const;

const section = async <T>(read: () => T | Promise<T>): Promise<T | SectionError> => {
  try {
    return await read();
  } catch (err) {
    return { error: messageOf(err) };
  }
};

/**
 * Assembles `/platform.json`. Each section is read on its own: a section that fails carries its
 * error, and the others still render (a dashboard is most needed when something is broken).
 */
export async function collectPlatformSnapshot(src: SnapshotSources): Promise<PlatformSnapshot> {
  const { config, outputs } = src;
  const now = src.now ?? (() => new Date());
  let access: Promise<EcrAccess> | undefined;
  const platformOf = async (image: ImageReference): Promise<string> => {
    access ??= ecrAccess(src.aws.ecr, outputs);
    const { authorization } = await access;
    const registry = new RegistryClient({ registry: src.registry ?? image.registry, login: { authorization }, timeoutMs: src.httpTimeoutMs });
    const found = await registry.resolvePlatform(image.repository, image.reference, { os: 'linux', architecture: 'amd64' });
    if (!found) throw new Error(`the registry at ${registry.baseUrl} has no manifest ${image.repository}:${image.reference}`);
    return found.index ? `index of ${indexPlatforms(found.index).join(', ')}` : `${found.config?.os}/${found.config?.architecture}`;
  };

  const [images, doctor] = await Promise.all([
    section(() => {
      const cluster = outputs.ecs_cluster_arn ?? outputs.ecs_cluster_name;
      if (!cluster) throw new Error('no ecs_cluster_arn in the infra outputs (pass --infra-outputs)');
      return readPinnedImages(src.aws.ecs, String(cluster), platformOf);
    }),
    section(async () => {
      const report = await runDoctor({
        config,
        outputs,
        aws: src.aws,
        registry: src.registry,
        prefectUrl: src.prefectUrl,
        apiAuthString: src.apiAuthString,
        httpTimeoutMs: src.httpTimeoutMs,
        now,
      });
      return { ok: report.ok, checks: report.checks };
    }),
  ]);
  const cost = await section(() => {
    const estimate = estimateCost(config);
    const largest = [...estimate.items].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, 3)
      .map((i) => ({ description: i.description, monthlyUsd: i.monthlyUsd }));
    return { totalUsd: estimate.totalUsd, pricesAsOf: estimate.pricesAsOf, largest };
  });
  const deployerPlan = src.planFile ? await section(() => readDeployerPlan(src.planFile!)) : undefined;

  const uiUrl = src.prefectUrl ?? outputs.prefect_url;
  return {
    env: config.env,
    region: config.aws.region,
    generatedAt: now().toISOString(),
    prefect: { uiUrl: uiUrl ? String(uiUrl).replace(/\/+$/, '') : undefined, workPool: config.prefect.workPool },
    outputs: SHOWN_OUTPUTS.filter((name) => outputs[name] !== undefined).map((name) => ({ name, value: String(outputs[name]) })),
    images,
    deployerPlan,
    doctor,
    cost,
  };
}
