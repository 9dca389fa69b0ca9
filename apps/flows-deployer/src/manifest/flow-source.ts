import { createHash } from 'node:crypto';
import type { SyntaxNode } from '@lezer/common';
import { cleandoc, googleParameterDescriptions } from './docstrings';
import { buildParameterSchema, ModuleSchemas, SignatureParameter } from './parameter-schema';
import { callArguments, children, commaItems, decoratorParts, docstringNode, lineOf, parsePythonModule, PyModule, text } from './python-module';

/**
 * Reads what `prefect deploy` learns by importing the flow (Prefect 3.8.3
 * `cli/deploy/_core.py` lines 116-126 and 309-310, `deployments/runner.py`
 * `_set_defaults_from_flow` lines 942-949), without running Python: the flow's name, its
 * parameter schema, and the description/version fallbacks of `Flow.__init__`
 * (`src/prefect/flows.py` lines 317 and 335-344).
 */

/** What the entrypoint's flow function declares. */
export interface FlowSource {
  /** `@flow(name="...")` when given. */
  readonly decoratedName?: string;
  /** The function's name. */
  readonly functionName: string;
  /** `@flow(description=...)`, else the function's docstring as `inspect.getdoc` cleans it. */
  readonly description?: string;
  /** `@flow(version=...)`, else the MD5 of the flow file (`utilities/hashing.py` `file_hash`, lines 34-45). */
  readonly version: string;
  /** Prefect's parameter schema, as the server stores it. */
  readonly parameterSchema: Record<string, unknown>;
  /** Where the generated schema may differ from Prefect's (imports from other modules…). */
  readonly notes: readonly string[];
}

/** Prefect's default flow name: the function name with underscores turned into hyphens. */
export function defaultFlowName(functionName: string): string {
  return functionName.replace(/_/g, '-');
}

/** Parameters a flow may not have (`Flow.__init__` → `raise_for_reserved_arguments`, flows.py line 333). */
const RESERVED_PARAMETERS = ['return_state', 'wait_for'];

/**
 * Finds `def <functionName>` at module level and reads it as Prefect would; throws when absent or
 * not a flow. Pass a parsed module to read several flows of one file without parsing it again.
 */
export function inspectFlowSource(file: string | PyModule, functionName: string): FlowSource {
  const module = typeof file === 'string' ? parsePythonModule(file) : file;
  const source = module.source;
  const fn = module.functions.get(functionName);
  const firstError = module.syntaxErrors[0];
  if (!fn) {
    const hint = firstError === undefined ? '' : ` (Python syntax error near line ${lineOf(source, firstError)})`;
    throw new Error(`no module-level function "${functionName}"${hint}`);
  }
  // Only errors inside the flow's own definition matter: that is what is read.
  const start = fn.decorators[0]?.from ?? fn.node.from;
  const inFlow = module.syntaxErrors.find((at) => at >= start && at < fn.node.to);
  if (inFlow !== undefined) throw new Error(`Python syntax error near line ${lineOf(source, inFlow)} in the definition of "${functionName}"`);
  const schemas = new ModuleSchemas(module);
  const flowDecorator = fn.decorators
    .map((d) => decoratorParts(source, d))
    .find(({ name }) => {
      const q = schemas.resolve(name).qualified;
      return q === 'prefect.flow' || q === 'prefect.flows.flow' || name === 'flow' || name === 'prefect.flow';
    });
  if (!flowDecorator) throw new Error(`function "${functionName}" is not decorated with @flow`);
  const options = callArguments(source, flowDecorator.args).keywords;
  const option = (key: string): string | undefined => {
    const node = options.get(key);
    const value = node && schemas.evaluate(node);
    return value?.kind === 'str' ? value.value : undefined;
  };
  const parameters = signatureParameters(source, fn.node.getChild('ParamList'));
  const reserved = parameters.filter((p) => RESERVED_PARAMETERS.includes(p.name)).map((p) => p.name);
  if (reserved.length > 0) throw new Error(`function "${functionName}" uses the reserved parameter name ${reserved.join(', ')} (Prefect refuses it)`);
  const body = fn.node.getChild('Body');
  const docNode = body ? docstringNode(children(body).filter((c) => c.name !== ':')) : undefined;
  const docValue = docNode ? schemas.evaluate(docNode) : undefined;
  const docstring = docValue?.kind === 'str' ? cleandoc(docValue.value) : undefined;
  const { schema, notes } = buildParameterSchema(schemas, parameters, docstring ? googleParameterDescriptions(docstring) : new Map());
  return {
    decoratedName: option('name'),
    functionName,
    // `description or inspect.getdoc(fn)`: an empty description falls back too.
    description: option('description') || docstring || undefined,
    version: option('version') || createHash('md5').update(source, 'utf8').digest('hex'),
    parameterSchema: schema,
    notes,
  };
}

/** The signature's parameters in order, `*args`/`**kwargs` included (as `inspect.signature` lists them). */
function signatureParameters(source: string, paramList: SyntaxNode | null): SignatureParameter[] {
  if (!paramList) return [];
  const out: SignatureParameter[] = [];
  for (const item of commaItems(children(paramList))) {
    let rest = item;
    let variadic = false;
    if (rest[0] && (rest[0].name === '*' || rest[0].name === '**')) {
      variadic = true;
      rest = rest.slice(1);
    }
    const nameNode = rest[0];
    if (!nameNode || nameNode.name !== 'VariableName') continue; // the bare `*` and `/` markers
    const typeDef = rest.find((n) => n.name === 'TypeDef');
    const assign = rest.findIndex((n) => n.name === 'AssignOp');
    out.push({
      name: text(source, nameNode),
      annotation: typeDef ? children(typeDef).find((c) => c.name !== ':') : undefined,
      defaultValue: assign >= 0 ? rest[assign + 1] : undefined,
      variadic,
    });
  }
  return out;
}
