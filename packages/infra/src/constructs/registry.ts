import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Construct } from 'constructs';

/** Properties of {@link Registry}. */
export interface RegistryProps {
  /** Repository name (`config.image.repository`, `blog-data`). Required. */
  readonly repositoryName: string;
  /** KMS key ARN that encrypts the images. Required. */
  readonly kmsKeyArn: string;
  /** Days after which untagged images are deleted. Default 14. */
  readonly untaggedImageExpiryDays?: number;
  /** Let `terraform destroy` delete a repository that still has images (emulator/dev only). Default false. */
  readonly forceDelete?: boolean;
}

/**
 * The ECR repository of the Prefect image and the flows-deployer image:
 * KMS-encrypted, scanned on push, untagged images expire. Tags are IMMUTABLE:
 * a pushed tag can never be pointed at other content, and tasks run images by
 * digest only (provider 5.100 has no tag-mutability exclusion filters, so there
 * is no mutable rolling tag either).
 */
export class Registry extends Construct {
  /** The repository. */
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    const expiry = props.untaggedImageExpiryDays ?? 14;
    if (!Number.isInteger(expiry) || expiry < 1) {
      throw new Error(`Registry.untaggedImageExpiryDays: ${expiry} must be a whole number of days ≥ 1`);
    }
    if (!/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(props.repositoryName)) {
      throw new Error(`Registry.repositoryName: "${props.repositoryName}" is not a valid ECR repository name`);
    }
    this.repository = new EcrRepository(this, 'repository', {
      name: props.repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: props.kmsKeyArn }],
      forceDelete: props.forceDelete ?? false,
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Expire untagged images after ${expiry} days`,
            selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: expiry },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }
}
