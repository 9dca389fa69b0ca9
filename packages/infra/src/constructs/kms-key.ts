import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { arnFor, ArnScope, partitionOf, policyDocument, PolicyStatement } from '../policy';

/** Properties of {@link EncryptionKey}. */
export interface EncryptionKeyProps extends ArnScope {
  /** Alias without the `alias/` prefix, e.g. `blog-data-dev`. Required. */
  readonly alias: string;
  /** What the key protects, shown in the console. Required. */
  readonly description: string;
  /** Let CloudWatch Logs encrypt log groups of this account and region with the key. Default false. */
  readonly allowCloudWatchLogs?: boolean;
  /** Let CloudWatch alarms publish to SNS topics encrypted with the key. Default false. */
  readonly allowCloudWatchAlarms?: boolean;
  /** Days before a deleted key is gone (7–30). Default 30. */
  readonly deletionWindowInDays?: number;
}

/**
 * A customer-managed KMS key with yearly rotation. The key policy delegates to
 * IAM (account root), so roles get key use only through their own policies,
 * plus the service principals that cannot be granted through IAM.
 */
export class EncryptionKey extends Construct {
  /** The key; pass `key.arn` to resources that encrypt with it. */
  readonly key: KmsKey;
  /** `alias/<alias>`. */
  readonly aliasName: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9/_-]{1,250}$/.test(props.alias) || props.alias.startsWith('aws/')) {
      throw new Error(`EncryptionKey.alias: "${props.alias}" must be letters, digits, / _ - and not start with aws/`);
    }
    const window = props.deletionWindowInDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      throw new Error(`EncryptionKey.deletionWindowInDays: ${window} must be an integer 7–30`);
    }

    const statements: PolicyStatement[] = [
      {
        Sid: 'AccountAdministersKeyThroughIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partitionOf(props.region)}:iam::${props.accountId}:root` },
        Action: 'kms:*',
        // In a key policy "*" means "this key".
        Resource: '*',
      },
    ];
    if (props.allowCloudWatchLogs) {
      statements.push({
        Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${props.region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': arnFor(props, 'logs', 'log-group:*') },
        },
      });
    }
    if (props.allowCloudWatchAlarms) {
      statements.push({
        Sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
      });
    }

    this.key = new KmsKey(this, 'key', {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: window,
      policy: policyDocument(statements),
    });
    this.aliasName = `alias/${props.alias}`;
    new KmsAlias(this, 'alias', { name: this.aliasName, targetKeyId: this.key.keyId });
  }
}
