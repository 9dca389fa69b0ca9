/**
 * A small model of how CloudWatch evaluates a synthesized `aws_cloudwatch_metric_alarm` over its
 * last `evaluation_periods` periods: a plain metric alarm reads its one series; a metric-math alarm
 * evaluates its `return_data` expression per period (FILL, IF, +, -, >, numbers, query ids).
 * A period without a value is handled by `treat_missing_data` (breaching / notBreaching / ignore /
 * missing). Enough to ask "is this alarm in ALARM for these datapoints?" of the alarms we write.
 */

/** Datapoints per series (a metric name for a plain alarm, a query id for metric math), oldest first; `undefined` = no datapoint. */
export type Series = Readonly<Record<string, readonly (number | undefined)[]>>;

type Value = number | undefined;

export function alarmState(alarm: Record<string, any>, series: Series): 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' {
  const periods: number = alarm.evaluation_periods;
  const values: Value[] = [];
  for (let i = 0; i < periods; i++) {
    if (alarm.metric_query) {
      const result = (alarm.metric_query as Record<string, any>[]).find((q) => q.return_data === true);
      if (!result?.expression) throw new Error('metric-math alarm without a returned expression');
      values.push(evaluate(result.expression, (id) => pointOf(series, id, i, periods)));
    } else {
      values.push(pointOf(series, alarm.metric_name, i, periods));
    }
  }
  const missing = alarm.treat_missing_data ?? 'missing';
  const breaches = (v: number) => compare(alarm.comparison_operator, v, alarm.threshold);
  const judged = values.map((v) => (v === undefined ? (missing === 'breaching' ? true : missing === 'notBreaching' ? false : undefined) : breaches(v)));
  const known = judged.filter((j): j is boolean => j !== undefined);
  if (known.length === 0) return 'INSUFFICIENT_DATA';
  return known.length === periods && known.every(Boolean) ? 'ALARM' : known.some((j) => !j) ? 'OK' : 'INSUFFICIENT_DATA';
}

function pointOf(series: Series, id: string, i: number, periods: number): Value {
  const s = series[id];
  if (s === undefined) return undefined;
  return s[s.length - periods + i];
}

function compare(op: string, v: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold': return v > threshold;
    case 'GreaterThanOrEqualToThreshold': return v >= threshold;
    case 'LessThanThreshold': return v < threshold;
    case 'LessThanOrEqualToThreshold': return v <= threshold;
    default: throw new Error(`comparison ${op} not modelled`);
  }
}

/** Evaluates one period of a metric-math expression; a missing operand makes the result missing. */
export function evaluate(expression: string, lookup: (id: string) => Value): Value {
  const tokens = expression.match(/\d+(\.\d+)?|[A-Za-z_]\w*|[(),+\->]/g) ?? [];
  let pos = 0;
  const next = () => tokens[pos++];
  const expect = (t: string) => {
    if (next() !== t) throw new Error(`expected ${t} in ${expression}`);
  };
  const primary = (): Value => {
    const t = next();
    if (t === undefined) throw new Error(`unexpected end of ${expression}`);
    if (/^\d/.test(t)) return Number(t);
    if (t === '(') {
      const v = comparison();
      expect(')');
      return v;
    }
    if (tokens[pos] === '(') {
      next();
      const args: Value[] = [comparison()];
      while (tokens[pos] === ',') {
        next();
        args.push(comparison());
      }
      expect(')');
      if (t === 'FILL') return args[0] ?? args[1];
      if (t === 'IF') return args[0] === undefined ? undefined : args[0] !== 0 ? args[1] : args[2];
      throw new Error(`function ${t} not modelled`);
    }
    return lookup(t);
  };
  const sum = (): Value => {
    let v = primary();
    while (tokens[pos] === '+' || tokens[pos] === '-') {
      const op = next();
      const r = primary();
      v = v === undefined || r === undefined ? undefined : op === '+' ? v + r : v - r;
    }
    return v;
  };
  const comparison = (): Value => {
    const l = sum();
    if (tokens[pos] !== '>') return l;
    next();
    const r = sum();
    return l === undefined || r === undefined ? undefined : l > r ? 1 : 0;
  };
  const v = comparison();
  if (pos !== tokens.length) throw new Error(`unparsed rest of ${expression}`);
  return v;
}
