import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';

/**
 * The module-level facts of a Python file that `prefect deploy` would learn by importing it:
 * imports (with their aliases), classes, functions with their decorators and simple
 * assignments. Parsed with Lezer's Python grammar, never executed.
 */

/** A module-level `def` with its decorators. */
export interface PyFunction {
  readonly name: string;
  readonly node: SyntaxNode;
  /** `Decorator` nodes, outermost first (read them with {@link decoratorParts}). */
  readonly decorators: readonly SyntaxNode[];
}

/** A module-level `class`. */
export interface PyClass {
  readonly name: string;
  readonly node: SyntaxNode;
  /** Positional base-class expressions. */
  readonly bases: readonly SyntaxNode[];
  /** Keyword arguments of the class statement (`metaclass=`, `frozen=`…). */
  readonly keywords: ReadonlyMap<string, SyntaxNode>;
  readonly decorators: readonly SyntaxNode[];
  /** Statements of the class body. */
  readonly body: readonly SyntaxNode[];
}

/** A parsed module. */
export interface PyModule {
  readonly source: string;
  /** Local name → qualified name: `import datetime as dt` gives `dt → datetime`, `from typing import List` gives `List → typing.List`. */
  readonly imports: ReadonlyMap<string, string>;
  readonly classes: ReadonlyMap<string, PyClass>;
  readonly functions: ReadonlyMap<string, PyFunction>;
  /** `NAME = <expr>` at module level (the last one wins, as at import time). */
  readonly assignments: ReadonlyMap<string, SyntaxNode>;
  /** Offsets where the grammar found a syntax error (it also flags a few rare valid forms, e.g. PEP 614 decorators). */
  readonly syntaxErrors: readonly number[];
}

/** Parses Python source into its module-level facts. */
export function parsePythonModule(source: string): PyModule {
  const tree = parser.parse(source);
  const imports = new Map<string, string>();
  const classes = new Map<string, PyClass>();
  const functions = new Map<string, PyFunction>();
  const assignments = new Map<string, SyntaxNode>();
  const syntaxErrors: number[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) syntaxErrors.push(ref.from);
    },
  });
  for (const statement of children(tree.topNode)) {
    let decorators: SyntaxNode[] = [];
    let node = statement;
    if (statement.name === 'DecoratedStatement') {
      // A Decorator node holds `@`, the dotted name and the ArgList as flat children.
      decorators = children(statement).filter((c) => c.name === 'Decorator');
      node = children(statement).find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') ?? statement;
    }
    if (node.name === 'ImportStatement') {
      readImport(source, node, imports);
    } else if (node.name === 'FunctionDefinition') {
      const name = node.getChild('VariableName');
      if (name) functions.set(text(source, name), { name: text(source, name), node, decorators });
    } else if (node.name === 'ClassDefinition') {
      const cls = readClass(source, node, decorators);
      if (cls) classes.set(cls.name, cls);
    } else if (node.name === 'AssignStatement') {
      const kids = children(node);
      // Only `NAME = value` (and `NAME: T = value`); tuple unpacking and chains are not constants.
      const ops = kids.filter((k) => k.name === 'AssignOp');
      if (kids[0]?.name === 'VariableName' && ops.length === 1 && text(source, ops[0]) === '=') {
        const value = ops[0].nextSibling;
        if (value) assignments.set(text(source, kids[0]), value);
      }
    }
  }
  return { source, imports, classes, functions, assignments, syntaxErrors };
}

/** The node's children in order. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** The source text of a node. */
export function text(source: string, node: SyntaxNode): string {
  return source.slice(node.from, node.to);
}

/** 1-based line number of an offset. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Splits the inside of a bracketed list node (`ParamList`, `ArgList`, subscript, tuple…)
 * into comma-separated items, each a list of sibling nodes; brackets and commas are dropped.
 */
export function commaItems(nodes: readonly SyntaxNode[]): SyntaxNode[][] {
  const items: SyntaxNode[][] = [];
  let current: SyntaxNode[] = [];
  for (const n of nodes) {
    if (n.name === ',') {
      if (current.length > 0) items.push(current);
      current = [];
    } else if (!['(', ')', '[', ']', '{', '}'].includes(n.name)) {
      current.push(n);
    }
  }
  if (current.length > 0) items.push(current);
  return items;
}

/** The dotted name of a decorator (`prefect.flow`) and its argument list, if called. */
export function decoratorParts(source: string, decorator: SyntaxNode): { name: string; args?: SyntaxNode } {
  const kids = children(decorator).filter((k) => k.name !== 'At');
  const args = kids.find((k) => k.name === 'ArgList');
  const name = kids
    .filter((k) => k.name !== 'ArgList')
    .map((k) => text(source, k))
    .join('');
  return { name, args };
}

/** Positional and keyword arguments of an `ArgList`. */
export function callArguments(source: string, argList: SyntaxNode | undefined): { positional: SyntaxNode[]; keywords: Map<string, SyntaxNode> } {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  if (!argList) return { positional, keywords };
  for (const item of commaItems(children(argList))) {
    const op = item.findIndex((n) => n.name === 'AssignOp');
    if (op === 1 && item[0].name === 'VariableName' && item[2]) keywords.set(text(source, item[0]), item[2]);
    else if (item.length === 1) positional.push(item[0]);
    else positional.push(item[item.length - 1]); // `*args` / `**kw` splats: not evaluable, kept for counting
  }
  return { positional, keywords };
}

function readImport(source: string, node: SyntaxNode, imports: Map<string, string>): void {
  const kids = children(node);
  if (kids[0]?.name === 'from') {
    const importAt = kids.findIndex((k) => k.name === 'import');
    const module = kids
      .slice(1, importAt)
      .map((k) => text(source, k))
      .join('');
    for (const item of commaItems(kids.slice(importAt + 1))) {
      const [name, as, alias] = item;
      if (!name || name.name !== 'VariableName') continue; // `import *`
      const local = as?.name === 'as' && alias ? text(source, alias) : text(source, name);
      imports.set(local, `${module}.${text(source, name)}`);
    }
    return;
  }
  for (const item of commaItems(kids.slice(1))) {
    const asAt = item.findIndex((k) => k.name === 'as');
    const dotted = item
      .slice(0, asAt === -1 ? item.length : asAt)
      .map((k) => text(source, k))
      .join('');
    if (asAt !== -1 && item[asAt + 1]) imports.set(text(source, item[asAt + 1]), dotted);
    else imports.set(dotted.split('.')[0], dotted.split('.')[0]); // `import a.b` binds `a`
  }
}

function readClass(source: string, node: SyntaxNode, decorators: SyntaxNode[]): PyClass | undefined {
  const name = node.getChild('VariableName');
  if (!name) return undefined;
  const { positional, keywords } = callArguments(source, node.getChild('ArgList') ?? undefined);
  const body = node.getChild('Body');
  return {
    name: text(source, name),
    node,
    bases: positional,
    keywords,
    decorators,
    body: body ? children(body).filter((c) => c.name !== ':') : [],
  };
}

/** The first statement of a function or class body when it is a string: the docstring node. */
export function docstringNode(body: readonly SyntaxNode[]): SyntaxNode | undefined {
  const first = body[0];
  if (first?.name !== 'ExpressionStatement') return undefined;
  const expr = first.firstChild;
  return expr && (expr.name === 'String' || expr.name === 'ContinuedString') ? expr : undefined;
}
