import { PolicyStatement } from '../src/policy';

/**
 * A small IAM policy evaluator for the operators our trust policies use, following AWS's
 * "Policy evaluation logic" and "Condition operators" pages: an explicit Deny wins, else any
 * matching Allow allows, else the request is implicitly denied. Within a statement every
 * condition operator must hold (AND); within an operator, the values of one key are ORed for
 * positive operators and must all fail to match for negated ones; a key missing from the request
 * makes a positive operator false and a negated one true (`…IfExists`: true; `Null` tests presence).
 * ArnEquals/ArnLike compare like StringEquals/StringLike. `*` matches any run of characters
 * (slashes included) and `?` exactly one. Anything else (another operator, a policy variable)
 * throws, so a test can never pass by being misunderstood.
 */

/**
 * One request: against a resource policy (a role's trust policy) with `principal`, or against an
 * identity policy (a role's permissions, a permissions boundary) with `resource` and no principal.
 */
export interface IamRequest {
  /** `Federated` principal ARN (the OIDC provider) or `AWS` principal; resource policies only. */
  readonly principal?: { readonly Federated?: string; readonly AWS?: string; readonly Service?: string };
  /** The resource ARN; identity policies only (their statements name `Resource`). */
  readonly resource?: string;
  readonly action: string;
  /** Context keys, e.g. `oidc.circleci.com/org/<id>:sub`. */
  readonly context: Readonly<Record<string, string>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const OPERATORS = new Set(['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIfExists', 'ArnEquals', 'ArnLike', 'Bool', 'Null']);

/** Evaluates `statements` (one policy document) for `request`. */
export function evaluate(statements: readonly PolicyStatement[], request: IamRequest): Decision {
  const matching = statements.filter((s) => statementApplies(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

function statementApplies(statement: PolicyStatement, request: IamRequest): boolean {
  if (request.principal !== undefined && !principalMatches(statement.Principal, request.principal)) return false;
  if (request.principal === undefined && statement.Principal !== undefined) throw new Error('an identity policy statement has no Principal');
  if (request.resource !== undefined && !list(statement.Resource ?? '*').some((pattern) => like(pattern, request.resource!))) return false;
  if (!list(statement.Action).some((pattern) => like(pattern.toLowerCase(), request.action.toLowerCase()))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) => conditionHolds(operator, keys, request.context));
}

function principalMatches(principal: PolicyStatement['Principal'], who: NonNullable<IamRequest['principal']>): boolean {
  if (principal === undefined) throw new Error('a resource policy statement needs a Principal');
  if (principal === '*') return true;
  return Object.entries(principal).some(([kind, values]) => {
    const actual = who[kind as keyof IamRequest['principal']];
    return actual !== undefined && list(values).includes(actual);
  });
}

function conditionHolds(operator: string, keys: Record<string, unknown>, context: Readonly<Record<string, string>>): boolean {
  if (!OPERATORS.has(operator)) throw new Error(`iam-evaluator: operator ${operator} is not modelled`);
  const negated = operator.includes('Not');
  const matches = operator.endsWith('Like') ? like : (pattern: string, value: string) => pattern === value;
  return Object.entries(keys).every(([key, raw]) => {
    const values = list(raw as string | string[] | boolean).map(String);
    for (const v of values) if (v.includes('${')) throw new Error(`iam-evaluator: policy variable in ${v} is not modelled`);
    const actual = context[key];
    // Null: "true" holds when the key is absent, "false" when present.
    if (operator === 'Null') return values.includes(actual === undefined ? 'true' : 'false');
    // ...IfExists: true when the key is absent, else the operator without the suffix.
    if (actual === undefined) return negated || operator.endsWith('IfExists');
    const any = values.some((pattern) => matches(pattern, actual));
    return negated ? !any : any;
  });
}

/** IAM's `*`/`?` wildcard match of the whole string. */
export function like(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${source}$`).test(value);
}

function list<T>(v: T | readonly T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? [...v] : [v as T];
}
