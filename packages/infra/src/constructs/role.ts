import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { policyDocument, PolicyStatement } from '../policy';

/** Properties of {@link Role}. */
export interface RoleProps {
  /** IAM role name. Required. */
  readonly roleName: string;
  /** What the role is for. Required. */
  readonly description: string;
  /** Trust policy document (who may assume the role). Required. */
  readonly assumeRolePolicy: string;
  /** Inline policies, name → statements; each becomes one `aws_iam_role_policy`. Default none. */
  readonly policies?: Readonly<Record<string, readonly PolicyStatement[]>>;
  /** Maximum session length in seconds (3600–43200). Default 3600. */
  readonly maxSessionDuration?: number;
  /** ARN of a managed policy capping the role's permissions. Default none. */
  readonly permissionsBoundary?: string;
}

/** An IAM role with inline policies only: every permission is visible next to the role that has it. */
export class Role extends Construct {
  /** The role. */
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    if (!/^[\w+=,.@-]{1,64}$/.test(props.roleName)) {
      throw new Error(`Role.roleName: "${props.roleName}" must be 1–64 of letters, digits and +=,.@_-`);
    }
    const maxSession = props.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSession) || maxSession < 3600 || maxSession > 43200) {
      throw new Error(`Role.maxSessionDuration: ${maxSession} must be 3600–43200 seconds`);
    }
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: props.assumeRolePolicy,
      maxSessionDuration: maxSession,
      permissionsBoundary: props.permissionsBoundary,
    });
    for (const [name, statements] of Object.entries(props.policies ?? {})) {
      if (statements.length === 0) continue;
      new IamRolePolicy(this, `policy-${name}`, {
        name,
        role: this.role.id,
        policy: policyDocument(statements),
      });
    }
  }
}
