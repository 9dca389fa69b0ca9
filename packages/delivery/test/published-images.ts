import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformConfig } from '@blog-data/config';
import { ARTIFACT_FILES, writeArtifact } from '../src';
import { WORKSPACE } from './scratch-workspace';

/**
 * A workspace-shaped root (this workspace's packages linked in, for the infra CLI) whose .deploy
 * holds both publish results as image-builder:deploy leaves them, with the given digests: stand-ins,
 * since moto's ECR takes no layer uploads (packages/infra/README.md, emulator deviations).
 */
export function publishedImages(config: PlatformConfig, prefect: string, deployer: string): string {
  const root = mkdtempSync(join(tmpdir(), 'delivery-root-'));
  symlinkSync(join(WORKSPACE, 'packages'), join(root, 'packages'));
  const repository = `${config.aws.accountId}.dkr.ecr.${config.aws.region}.amazonaws.com/blog-data`;
  writeArtifact(root, ARTIFACT_FILES.image, { image: 'prefect-base', repository, digest: prefect, reference: `${repository}@${prefect}` });
  writeArtifact(root, ARTIFACT_FILES.deployerImage, { image: 'flows-deployer', repository, digest: deployer, reference: `${repository}@${deployer}` });
  return root;
}
