/**
 * Reads what `prefect deploy` learns by importing the flow, without running Python:
 * the flow's name (`@flow(name=...)`, else the function name with `_` → `-`) and a
 * parameter schema in Prefect's format built from the function signature.
 * Only literal annotations/defaults are understood; anything else becomes an untyped property.
 */

/** What the entrypoint's flow function declares. */
export interface FlowSource {
  /** `@flow(name="...")` when given. */
  readonly decoratedName?: string;
  /** The function's name. */
  readonly functionName: string;
  /** Prefect-style parameter schema (`{title: 'Parameters', type: 'object', properties, required, definitions}`). */
  readonly parameterSchema: Record<string, unknown>;
}

/** Prefect's default flow name: the function name with underscores turned into hyphens. */
export function defaultFlowName(functionName: string): string {
  return functionName.replace(/_/g, '-');
}

/** Finds `def <functionName>` at module level and reads its decorator and signature; throws when absent or not a flow. */
export function inspectFlowSource(source: string, functionName: string): FlowSource {
  const defMatch = new RegExp(`^(?:async[ \\t]+)?def[ \\t]+${functionName}[ \\t]*\\(`, 'm').exec(source);
  if (!defMatch) throw new Error(`no module-level function "${functionName}"`);
  const decorators = decoratorBlock(source, defMatch.index);
  const flowDecorator = decorators.find((d) => /^@(?:prefect\.)?flow\b/.test(d));
  if (!flowDecorator) throw new Error(`function "${functionName}" is not decorated with @flow`);
  const nameMatch = /\bname\s*=\s*(['"])((?:(?!\1).)*)\1/.exec(flowDecorator);
  const openParen = defMatch.index + defMatch[0].length - 1;
  const closeParen = matchingBracket(source, openParen);
  const params = splitTopLevel(source.slice(openParen + 1, closeParen), ',');
  return {
    decoratedName: nameMatch?.[2],
    functionName,
    parameterSchema: parameterSchema(params),
  };
}

function decoratorBlock(source: string, defIndex: number): string[] {
  const lines = source.slice(0, defIndex).split('\n');
  lines.pop(); // the (empty) remainder of the def line
  const block: string[] = [];
  let depth = 0;
  // Walk up while lines belong to decorators (a decorator call can span lines).
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    for (const ch of line) {
      if (ch === ')' || ch === ']' || ch === '}') depth++;
      if (ch === '(' || ch === '[' || ch === '{') depth--;
    }
    if (depth > 0 || line.startsWith('@')) block.unshift(line);
    else break;
  }
  // Join continuation lines onto their decorator.
  const decorators: string[] = [];
  for (const line of block) {
    if (line.startsWith('@')) decorators.push(line.trim());
    else if (decorators.length > 0) decorators[decorators.length - 1] += ` ${line.trim()}`;
  }
  return decorators;
}

function matchingBracket(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === '\'') quote = ch;
    else if (ch === '#') i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch) && --depth === 0) return i;
  }
  throw new Error('unbalanced brackets in the function signature');
}

/** Splits on `sep` outside brackets and strings; drops comments and empty parts. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      current += ch;
      if (ch === '\\') current += text[++i] ?? '';
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '#') {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol - 1;
      continue;
    }
    if (ch === '"' || ch === '\'') quote = ch;
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === sep && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}

function parameterSchema(params: string[]): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  let position = 0;
  for (const raw of params) {
    if (raw === '*' || raw === '/' || raw.startsWith('*')) continue; // *args, **kwargs, markers
    const eq = indexOfTopLevel(raw, '=');
    const head = eq === -1 ? raw : raw.slice(0, eq);
    const defaultText = eq === -1 ? undefined : raw.slice(eq + 1).trim();
    const colon = indexOfTopLevel(head, ':');
    const name = (colon === -1 ? head : head.slice(0, colon)).trim();
    if (name === 'self' || name === 'cls') continue;
    const annotation = colon === -1 ? undefined : head.slice(colon + 1).trim();
    const prop: Record<string, unknown> = { title: name, position: position++, ...(annotation ? typeSchema(annotation) : {}) };
    if (defaultText !== undefined) {
      const value = pythonLiteral(defaultText);
      if (value !== undefined) prop.default = value;
    } else {
      required.push(name);
    }
    properties[name] = prop;
  }
  const schema: Record<string, unknown> = { title: 'Parameters', type: 'object', properties, definitions: {} };
  if (required.length > 0) schema.required = required;
  return schema;
}

function indexOfTopLevel(text: string, ch: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === '\'') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

/** Maps a Python annotation to JSON schema the way pydantic does for common types. */
export function typeSchema(annotation: string): Record<string, unknown> {
  const a = annotation.trim().replace(/^(typing|datetime)\./, '');
  const union = splitTopLevel(a, '|');
  if (union.length > 1) return anyOf(union.map(typeSchema));
  const generic = /^(\w+)\[(.*)\]$/s.exec(a);
  if (generic) {
    const [, outer, inner] = generic;
    const args = splitTopLevel(inner, ',');
    switch (outer) {
      case 'Optional':
        return anyOf([typeSchema(inner), { type: 'null' }]);
      case 'Union':
        return anyOf(args.map(typeSchema));
      case 'list':
      case 'List':
      case 'Sequence':
      case 'set':
      case 'Set':
      case 'tuple':
      case 'Tuple':
        return { type: 'array', items: typeSchema(args[0] ?? 'Any') };
      case 'dict':
      case 'Dict':
      case 'Mapping':
        return { type: 'object', additionalProperties: typeSchema(args[1] ?? 'Any') };
      case 'Literal':
        return { enum: args.map(pythonLiteral) };
      default:
        return {};
    }
  }
  switch (a) {
    case 'str':
      return { type: 'string' };
    case 'int':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'dict':
    case 'Dict':
      return { type: 'object' };
    case 'list':
    case 'List':
      return { type: 'array', items: {} };
    case 'None':
      return { type: 'null' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'date':
      return { type: 'string', format: 'date' };
    default:
      return {};
  }
}

function anyOf(schemas: Record<string, unknown>[]): Record<string, unknown> {
  return { anyOf: schemas };
}

/** Converts a Python literal (numbers, strings, True/False/None, lists/dicts of those) to JSON; undefined otherwise. */
export function pythonLiteral(text: string): unknown {
  const t = text.trim();
  if (t === 'None') return null;
  if (t === 'True') return true;
  if (t === 'False') return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  const str = /^(['"])((?:\\.|(?!\1).)*)\1$/s.exec(t);
  if (str) return str[2].replace(/\\(.)/g, '$1');
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('(') && t.endsWith(')'))) {
    const items = splitTopLevel(t.slice(1, -1), ',').map(pythonLiteral);
    return items.some((i) => i === undefined) ? undefined : items;
  }
  if (t.startsWith('{') && t.endsWith('}')) {
    const out: Record<string, unknown> = {};
    for (const entry of splitTopLevel(t.slice(1, -1), ',')) {
      const colon = indexOfTopLevel(entry, ':');
      if (colon === -1) return undefined;
      const key = pythonLiteral(entry.slice(0, colon));
      const value = pythonLiteral(entry.slice(colon + 1));
      if (typeof key !== 'string' || value === undefined) return undefined;
      out[key] = value;
    }
    return out;
  }
  return undefined;
}
