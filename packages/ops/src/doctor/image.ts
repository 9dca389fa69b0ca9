import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { messageOf } from '@blog-data/cli-kit';
import { indexPlatforms, RegistryClient, RegistryError } from '@blog-data/oci-registry';
import { ecrAccess, EcrAccess, ecrRepositoryHost } from '../ecr-access';
import { CheckResult, DoctorContext, fail, pass } from './types';

/** Fargate here runs X86_64 Linux tasks. */
const TASK_PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

const REBUILD = 'rebuild and push it for linux/amd64 with `image-builder publish` (it verifies the platform), then redeploy the services';

/**
 * The image tasks run exists in ECR and is linux/amd64. An arm64 image (built
 * on an Apple-silicon laptop) pulls fine and then dies on Fargate with
 * `exec format error`, the first entry of the production runbook.
 */
export async function checkImage(ctx: DoctorContext): Promise<CheckResult> {
  const repository = ctx.outputs.ecr_repository_name ?? ctx.config.image.repository;
  const digest = ctx.config.image.digest;
  const reference = digest ?? ctx.config.image.tag;
  const shown = digest ? `${repository}@${digest}` : `${repository}:${reference}`;
  const id = 'ecr-image';
  const title = `image ${shown} exists and is linux/amd64`;

  // The repository may live in another account (a shared registry): its id is in the URL's host.
  const { registryId } = ecrRepositoryHost(ctx.outputs);

  try {
    await ctx.aws.ecr.send(new DescribeImagesCommand({
      registryId,
      repositoryName: repository,
      imageIds: [digest ? { imageDigest: digest } : { imageTag: reference }],
    }));
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'ImageNotFoundException') {
      return fail(id, title, `ECR has no image ${shown}`, 'publish it with `image-builder publish` (or fix image.tag / image.digest in the config)');
    }
    if (name === 'RepositoryNotFoundException') {
      return fail(id, title, `ECR repository ${repository} does not exist`, 'apply the bootstrap stack (it creates the repository), then `image-builder publish`');
    }
    return fail(id, title, `ECR DescribeImages failed: ${messageOf(err)}`, 'check AWS credentials and region (ecr:DescribeImages)');
  }

  let access: EcrAccess;
  try {
    access = await ecrAccess(ctx.aws.ecr, ctx.outputs);
  } catch (err) {
    return fail(id, title, `ECR GetAuthorizationToken failed: ${messageOf(err)}`, 'check AWS credentials (ecr:GetAuthorizationToken)');
  }
  const { authorization } = access;
  const registryHost = ctx.registry ?? access.registryHost;
  if (!registryHost) return fail(id, title, 'no registry endpoint', 'pass --registry HOST');
  const registry = new RegistryClient({
    registry: registryHost,
    login: { authorization },
    timeoutMs: ctx.httpTimeoutMs ?? 10_000,
    addressSource: ctx.registry ? '--registry' : 'the repository URL in the infra outputs',
  });
  const base = registry.baseUrl;

  try {
    const resolved = await registry.resolvePlatform(repository, reference, TASK_PLATFORM);
    if (!resolved) {
      return fail(id, title, `the registry at ${base} has no manifest ${shown}`,
        `publish with \`image-builder publish\`${ctx.registry ? ' or check --registry' : ''}`);
    }
    const found = resolved.index
      ? `index ${resolved.manifest.digest.slice(0, 19)}… with ${indexPlatforms(resolved.index).join(', ')}`
      : `${resolved.config?.os}/${resolved.config?.architecture} (${resolved.manifest.digest.slice(0, 19)}…)`;
    if (!resolved.config) {
      // Fargate picks linux/amd64 from an index; without one it cannot pull.
      return fail(id, title, `${found}: no linux/amd64 entry`, `Fargate cannot pull it (CannotPullContainerError); ${REBUILD}`);
    }
    const { os, architecture } = resolved.config;
    if (os !== TASK_PLATFORM.os || architecture !== TASK_PLATFORM.architecture) {
      return fail(id, title, `${shown} is ${os}/${architecture}`,
        `Fargate here runs linux/amd64, so the container dies with \`exec format error\`; ${REBUILD}`);
    }
    return pass(id, title, found);
  } catch (err) {
    const status = err instanceof RegistryError ? err.status : undefined;
    const fix = status === 401 || status === 403
      ? 'the registry refused the ECR token: check --registry and ecr:BatchGetImage / GetDownloadUrlForLayer permissions'
      : status === 404
        ? `the registry at ${base} has no such manifest: publish with \`image-builder publish\`${ctx.registry ? ' or check --registry' : ''}`
        : `check that ${base} is reachable${ctx.registry ? ' (--registry)' : ''}`;
    const said = err instanceof RegistryError ? `${err.what} (${err.where})` : messageOf(err);
    return fail(id, title, `cannot read the manifest: ${said}`, fix);
  }
}
