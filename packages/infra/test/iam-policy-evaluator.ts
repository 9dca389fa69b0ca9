import type { PolicyStatement } from '../src/policy';

/** One request as IAM sees it: the action, the resource ARN and the condition keys present. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys present in the request context (absent keys are simply missing). */
  readonly context?: Readonly<Record<string, string>>;
}

export type IamDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

/**
 * A small evaluator of identity policies, for the operators this package writes (StringEquals,
 * StringNotEquals, StringLike, StringEqualsIfExists, ArnEquals, ArnLike, Bool, Null), following
 * IAM's evaluation logic: an explicit deny wins, then any allow, else the implicit deny. Missing
 * keys make positive operators false and negated ones true, as in IAM
 * (docs: "Condition operators" / "...IfExists condition operators"). No policy variables, no
 * NotAction/NotResource, no set operators: the tests would fail loudly on statements using them.
 */
export function evaluate(statements: readonly PolicyStatement[], request: IamRequest): IamDecision {
  const matching = statements.filter((st) => matchesAny(st.Action, request.action, true) && matchesAny(st.Resource ?? '*', request.resource, false) && conditionsHold(st, request));
  if (matching.some((st) => st.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((st) => st.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

function matchesAny(patterns: string | readonly string[], value: string, caseInsensitive: boolean): boolean {
  return (typeof patterns === 'string' ? [patterns] : patterns).some((p) => glob(p, caseInsensitive).test(value));
}

function glob(pattern: string, caseInsensitive = false): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

function conditionsHold(st: PolicyStatement, request: IamRequest): boolean {
  const context = request.context ?? {};
  return Object.entries(st.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const wanted = (Array.isArray(expected) ? expected : [expected]).map(String);
      const actual = context[key];
      switch (operator) {
        case 'StringEquals':
        case 'ArnEquals':
          return actual !== undefined && wanted.includes(actual);
        case 'StringEqualsIfExists':
          return actual === undefined || wanted.includes(actual);
        case 'StringNotEquals':
          return actual === undefined || !wanted.includes(actual);
        case 'StringLike':
        case 'ArnLike':
          return actual !== undefined && wanted.some((w) => glob(w).test(actual));
        case 'Bool':
          return actual !== undefined && wanted.includes(actual);
        case 'Null':
          return wanted.includes(actual === undefined ? 'true' : 'false');
        default:
          throw new Error(`evaluate: condition operator ${operator} is not modelled`);
      }
    }),
  );
}
