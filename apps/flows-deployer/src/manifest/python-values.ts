import type { SyntaxNode } from '@lezer/common';
import { callArguments, children, commaItems, text } from './python-module';

/**
 * Evaluates the Python expressions flow signatures use as defaults (`1_000`, `60 * 60`,
 * `"a" "b"`, `timedelta(hours=1)`, `Color.RED`, module constants…) the way the interpreter
 * would at import time, and encodes the result the way pydantic 2 writes a default into a
 * JSON schema. Anything not understood evaluates to `undefined` (never a guess).
 */

/** A Python value, keeping the distinctions JSON loses (int vs float vs bool, tuple, set). */
export type PyValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'ellipsis' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: string }
  | { readonly kind: 'list' | 'tuple' | 'set'; readonly items: readonly PyValue[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyArray<readonly [PyValue, PyValue]> }
  | { readonly kind: 'timedelta'; readonly microseconds: number }
  | { readonly kind: 'datetime' | 'date'; readonly iso: string }
  /** An Enum member. */
  | { readonly kind: 'enum'; readonly cls: string; readonly member: string; readonly value: PyValue }
  /** An instance of a pydantic model / dataclass, already in its JSON form. */
  | { readonly kind: 'instance'; readonly cls: string; readonly json: unknown };

/** What the evaluator cannot know by itself: names and calls, resolved by the caller (module scope). */
export interface EvalScope {
  readonly source: string;
  /** A bare or dotted name (`LIMIT`, `Color.RED`, `timezone.utc`). */
  name(dotted: string): PyValue | undefined;
  /** A call of a bare or dotted name with evaluated arguments. */
  call(callee: string, positional: PyValue[], keywords: Map<string, PyValue>): PyValue | undefined;
}

/** Evaluates an expression node; `undefined` when it is not a constant expression we understand. */
export function evaluate(node: SyntaxNode, scope: EvalScope): PyValue | undefined {
  const src = scope.source;
  switch (node.name) {
    case 'None':
      return { kind: 'none' };
    case 'Boolean':
      return { kind: 'bool', value: text(src, node) === 'True' };
    case 'Ellipsis':
      return { kind: 'ellipsis' };
    case 'Number':
      return parseNumber(text(src, node));
    case 'String':
    case 'FormatString':
      return parseStringLiteral(text(src, node));
    case 'ContinuedString':
      return concatStrings(children(node).map((c) => parseStringLiteral(text(src, c))));
    case 'ParenthesizedExpression': {
      const inner = children(node).filter((c) => c.name !== '(' && c.name !== ')');
      return inner.length === 1 ? evaluate(inner[0], scope) : undefined;
    }
    case 'TupleExpression':
    case 'ArrayExpression':
    case 'SetExpression': {
      const items = commaItems(children(node)).map((item) => (item.length === 1 ? evaluate(item[0], scope) : undefined));
      if (items.some((i) => i === undefined)) return undefined;
      const kind = node.name === 'TupleExpression' ? 'tuple' : node.name === 'ArrayExpression' ? 'list' : 'set';
      return { kind, items: items as PyValue[] };
    }
    case 'DictionaryExpression':
      return evaluateDict(node, scope);
    case 'UnaryExpression': {
      const [op, operand] = children(node);
      const value = operand ? evaluate(operand, scope) : undefined;
      return value && unary(text(src, op), value);
    }
    case 'BinaryExpression': {
      const [left, op, right] = children(node);
      const a = evaluate(left, scope);
      const b = right ? evaluate(right, scope) : undefined;
      return a && b ? binary(text(src, op), a, b) : undefined;
    }
    case 'VariableName':
      return scope.name(text(src, node));
    case 'MemberExpression':
      return isDottedName(node) ? scope.name(text(src, node).replace(/\s+/g, '')) : undefined;
    case 'CallExpression': {
      const [callee, argList] = children(node);
      if (!isDottedName(callee) || argList?.name !== 'ArgList') return undefined;
      const { positional, keywords } = callArguments(src, argList);
      const args = positional.map((p) => evaluate(p, scope));
      const kw = new Map<string, PyValue>();
      for (const [k, v] of keywords) {
        const value = evaluate(v, scope);
        if (!value) return undefined;
        kw.set(k, value);
      }
      if (args.some((a) => a === undefined)) return undefined;
      return scope.call(text(src, callee).replace(/\s+/g, ''), args as PyValue[], kw);
    }
    default:
      return undefined;
  }
}

/** `a`, `a.b.c` (no subscripts or calls). */
export function isDottedName(node: SyntaxNode): boolean {
  if (node.name === 'VariableName') return true;
  if (node.name !== 'MemberExpression') return false;
  const kids = children(node);
  return kids.length === 3 && kids[1].name === '.' && kids[2].name === 'PropertyName' && isDottedName(kids[0]);
}

function evaluateDict(node: SyntaxNode, scope: EvalScope): PyValue | undefined {
  const entries: Array<[PyValue, PyValue]> = [];
  for (const item of commaItems(children(node))) {
    const colon = item.findIndex((n) => n.name === ':');
    if (colon !== 1 || item.length !== 3) return undefined; // `**other` and comprehensions
    const key = evaluate(item[0], scope);
    const value = evaluate(item[2], scope);
    if (!key || !value) return undefined;
    const existing = entries.findIndex(([k]) => samePyValue(k, key));
    if (existing >= 0) entries[existing] = [entries[existing][0], value];
    else entries.push([key, value]);
  }
  return { kind: 'dict', entries };
}

/** Python literal → value: ints (with `_`, hex, octal, binary), floats; complex is not supported. */
export function parseNumber(raw: string): PyValue | undefined {
  const t = raw.replace(/_/g, '');
  if (/[jJ]$/.test(t)) return undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return { kind: 'int', value: parseInt(t.slice(2), 16) };
  if (/^0[oO][0-7]+$/.test(t)) return { kind: 'int', value: parseInt(t.slice(2), 8) };
  if (/^0[bB][01]+$/.test(t)) return { kind: 'int', value: parseInt(t.slice(2), 2) };
  if (/^\d+$/.test(t)) return { kind: 'int', value: Number(t) };
  if (/^(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(t)) return { kind: 'float', value: Number(t) };
  return undefined;
}

/** Decodes one string literal token with its prefix (r, u, b, f without placeholders). */
export function parseStringLiteral(raw: string): PyValue | undefined {
  const m = /^([rRuUbBfF]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(raw);
  if (!m) return undefined;
  const prefix = m[1].toLowerCase();
  const body = m[3];
  if (prefix.includes('f') && /[{}]/.test(body.replace(/\{\{|\}\}/g, ''))) return undefined;
  const unescaped = prefix.includes('r') ? body : unescapePython(body, prefix.includes('b'));
  if (unescaped === undefined) return undefined;
  const value = prefix.includes('f') ? unescaped.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : unescaped;
  return { kind: prefix.includes('b') ? 'bytes' : 'str', value };
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', '\'': '\'', '"': '"', 'a': '\x07', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v' };

function unescapePython(body: string, bytes: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    if (next === undefined) return undefined;
    if (next === '\n') continue; // line continuation inside the literal
    if (next in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[next];
    } else if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(oct, 8));
      i += oct.length - 1;
    } else if (next === 'x' || (!bytes && (next === 'u' || next === 'U'))) {
      const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return undefined;
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else if (next === 'N' && !bytes) {
      return undefined; // \N{NAME}: needs the Unicode name database
    } else {
      out += `\\${next}`; // Python keeps unknown escapes verbatim
    }
  }
  return out;
}

function concatStrings(parts: Array<PyValue | undefined>): PyValue | undefined {
  if (parts.some((p) => p === undefined)) return undefined;
  const kinds = new Set(parts.map((p) => p!.kind));
  if (kinds.size !== 1) return undefined; // mixing bytes and str is a SyntaxError
  return { kind: parts[0]!.kind as 'str' | 'bytes', value: parts.map((p) => (p as { value: string }).value).join('') };
}

function numeric(v: PyValue): { value: number; float: boolean } | undefined {
  if (v.kind === 'int' || v.kind === 'float') return { value: v.value, float: v.kind === 'float' };
  if (v.kind === 'bool') return { value: v.value ? 1 : 0, float: false };
  return undefined;
}

function unary(op: string, v: PyValue): PyValue | undefined {
  if (op === 'not') return undefined;
  const n = numeric(v);
  if (!n) return undefined;
  const kind = n.float ? 'float' : 'int';
  if (op === '-') return { kind, value: -n.value };
  if (op === '+') return { kind, value: n.value };
  if (op === '~' && !n.float) return { kind: 'int', value: -n.value - 1 };
  return undefined;
}

function binary(op: string, a: PyValue, b: PyValue): PyValue | undefined {
  if (op === '+' && a.kind === b.kind && (a.kind === 'str' || a.kind === 'bytes')) {
    return { kind: a.kind, value: a.value + (b as { value: string }).value };
  }
  if (op === '+' && a.kind === b.kind && (a.kind === 'list' || a.kind === 'tuple')) {
    return { kind: a.kind, items: [...a.items, ...(b as { items: readonly PyValue[] }).items] };
  }
  if (op === '*' && (a.kind === 'str' || b.kind === 'str')) {
    const [s, n] = a.kind === 'str' ? [a, numeric(b)] : [b as { value: string }, numeric(a)];
    return n && !n.float ? { kind: 'str', value: s.value.repeat(Math.max(0, n.value)) } : undefined;
  }
  const x = numeric(a);
  const y = numeric(b);
  if (!x || !y) return undefined;
  const float = x.float || y.float;
  const kind = float ? 'float' : 'int';
  switch (op) {
    case '+':
      return { kind, value: x.value + y.value };
    case '-':
      return { kind, value: x.value - y.value };
    case '*':
      return { kind, value: x.value * y.value };
    case '/':
      return y.value === 0 ? undefined : { kind: 'float', value: x.value / y.value };
    case '//':
      return y.value === 0 ? undefined : { kind, value: Math.floor(x.value / y.value) };
    case '%':
      return y.value === 0 ? undefined : { kind, value: x.value - y.value * Math.floor(x.value / y.value) };
    case '**':
      return !float && y.value >= 0 ? { kind: 'int', value: x.value ** y.value } : { kind: 'float', value: x.value ** y.value };
    default:
      return undefined; // comparisons, bit operations, boolean operators
  }
}

function samePyValue(a: PyValue, b: PyValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The `datetime`-module constructors a default may call. */
export function constructDatetimeValue(qualified: string, positional: PyValue[], keywords: Map<string, PyValue>): PyValue | undefined {
  if (qualified === 'datetime.timedelta') {
    // timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks)
    const units = [86_400e6, 1e6, 1, 1e3, 60e6, 3_600e6, 604_800e6];
    const names = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'];
    let total = 0;
    for (let i = 0; i < names.length; i++) {
      const arg = i < positional.length ? positional[i] : keywords.get(names[i]);
      if (arg === undefined) continue;
      const n = numeric(arg);
      if (!n) return undefined;
      total += n.value * units[i];
    }
    if (positional.length > names.length || [...keywords.keys()].some((k) => !names.includes(k))) return undefined;
    return { kind: 'timedelta', microseconds: Math.round(total) };
  }
  if (qualified === 'datetime.date' || qualified === 'datetime.datetime') {
    const names = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo'];
    const parts: number[] = [];
    let utc = false;
    for (let i = 0; i < names.length; i++) {
      const arg = i < positional.length ? positional[i] : keywords.get(names[i]);
      if (names[i] === 'tzinfo') {
        if (arg && !(arg.kind === 'instance' && arg.cls === 'datetime.timezone.utc')) return undefined;
        utc = arg !== undefined;
        continue;
      }
      if (arg === undefined) {
        if (i < 3) return undefined;
        parts.push(0);
        continue;
      }
      if (arg.kind !== 'int') return undefined;
      parts.push(arg.value);
    }
    const [y, mo, d, h, mi, s, us] = parts;
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59 || us > 999_999) return undefined;
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    const date = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
    if (qualified === 'datetime.date') return keywords.size + positional.length > 3 ? undefined : { kind: 'date', iso: date };
    // pydantic-core (speedate) prints microseconds as 6 digits when non-zero and UTC as `Z`.
    return { kind: 'datetime', iso: `${date}T${pad(h)}:${pad(mi)}:${pad(s)}${us ? `.${pad(us, 6)}` : ''}${utc ? 'Z' : ''}` };
  }
  return undefined;
}

/**
 * A timedelta as pydantic-core serializes it in JSON (ISO 8601 duration by speedate 0.17,
 * `src/duration.rs` `impl Display for Duration`): days split into `Y` (365 days) and `D`,
 * seconds into `H`/`M`/`S`, `PT0S` for zero, a leading `-` for negative durations.
 */
export function isoDuration(microseconds: number): string {
  const negative = microseconds < 0;
  let rest = Math.abs(microseconds);
  const day = Math.floor(rest / 86_400e6);
  rest -= day * 86_400e6;
  const second = Math.floor(rest / 1e6);
  const micro = rest - second * 1e6;
  let out = `${negative ? '-' : ''}P`;
  if (day !== 0) {
    if (Math.floor(day / 365) !== 0) out += `${Math.floor(day / 365)}Y`;
    if (day % 365 !== 0) out += `${day % 365}D`;
  }
  if (second !== 0 || micro !== 0) {
    out += 'T';
    const hour = Math.floor(second / 3600);
    const minute = Math.floor((second % 3600) / 60);
    const sec = second % 60;
    if (hour !== 0) out += `${hour}H`;
    if (minute !== 0) out += `${minute}M`;
    if (sec !== 0 || micro !== 0) out += `${sec}${micro !== 0 ? `.${String(micro).padStart(6, '0').replace(/0+$/, '')}` : ''}S`;
  }
  if (second === 0 && micro === 0 && day === 0) out += 'T0S';
  return out;
}

/**
 * The JSON pydantic 2 writes as a field's `default` (`GenerateJsonSchema.encode_default` →
 * `to_jsonable_python`): tuples and sets become arrays (sets sorted, as `default_schema`
 * does for more than one item), enums their value, bytes UTF-8 text, timedeltas ISO durations.
 * `undefined` when pydantic would not manage either (it then leaves the default out).
 */
export function toJsonDefault(v: PyValue): { value: unknown } | undefined {
  switch (v.kind) {
    case 'none':
      return { value: null };
    case 'bool':
    case 'str':
    case 'bytes':
      return { value: v.value };
    case 'int':
    case 'float':
      return Number.isFinite(v.value) ? { value: v.value } : undefined;
    case 'list':
    case 'tuple':
    case 'set': {
      let items = v.items;
      if (v.kind === 'set' && items.length > 1) {
        const sorted = sortLikePython(items);
        if (!sorted) return undefined;
        items = sorted;
      }
      const out = items.map(toJsonDefault);
      return out.some((o) => o === undefined) ? undefined : { value: out.map((o) => o!.value) };
    }
    case 'dict': {
      const obj: Record<string, unknown> = {};
      for (const [k, val] of v.entries) {
        const key = k.kind === 'str' ? k.value : k.kind === 'int' ? String(k.value) : undefined;
        const json = toJsonDefault(val);
        if (key === undefined || !json) return undefined;
        obj[key] = json.value;
      }
      return { value: obj };
    }
    case 'timedelta':
      return { value: isoDuration(v.microseconds) };
    case 'datetime':
    case 'date':
      return { value: v.iso };
    case 'enum':
      return toJsonDefault(v.value);
    case 'instance':
      return { value: v.json };
    default:
      return undefined;
  }
}

/** `sorted()` for numbers or for strings; `undefined` where Python would raise TypeError. */
function sortLikePython(items: readonly PyValue[]): PyValue[] | undefined {
  if (items.every((i) => numeric(i))) return [...items].sort((a, b) => numeric(a)!.value - numeric(b)!.value);
  if (items.every((i) => i.kind === 'str')) {
    // Python compares code points; JS `<` compares UTF-16 units (equal outside astral planes).
    return [...items].sort((a, b) => ((a as { value: string }).value < (b as { value: string }).value ? -1 : 1));
  }
  return undefined;
}
