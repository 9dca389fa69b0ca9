import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { cleandoc } from './docstrings';
import { callArguments, children, commaItems, decoratorParts, docstringNode, PyClass, PyModule, text } from './python-module';
import { constructDatetimeValue, EvalScope, evaluate, isDottedName, PyValue, toJsonDefault } from './python-values';

/**
 * A flow's parameter schema exactly as Prefect 3.8.3 stores it, built from source.
 *
 * Prefect (`src/prefect/utilities/callables/__init__.py`, tag 3.8.3):
 * - `generate_parameter_schema` (lines 529-582) makes one pydantic field per signature
 *   parameter in order — `*args`/`**kwargs` included, `self`/`cls` skipped but counted in
 *   `position` — with `title=<name>`, `description=<docstring Args entry>`, the default
 *   (`...`, i.e. required, when there is none) and `json_schema_extra={"position": i}`
 *   (`_internal/pydantic/v2_schema.py` `process_v2_params`, lines 51-96); a type pydantic
 *   cannot make a schema for becomes `Any`.
 * - `create_v2_schema` (v2_schema.py lines 99-136) asks pydantic for the model's JSON schema
 *   with `ref_template="#/definitions/{model}"` and `GenerateEmptySchemaForUserClasses`
 *   (arbitrary classes → `{}`), and copies `$defs` to `definitions`.
 * - `ParameterSchema(**schema)` (lines 376-389) keeps title/type/properties/required/definitions
 *   and `RunnerDeployment` sends `model_dump(exclude_unset=True)` (`deployments/runner.py`
 *   lines 459-461, 621-623): `required` only when some parameter is required, `definitions`
 *   only when a type needed one — never an empty `{}`.
 *
 * The JSON schema of each type follows pydantic 2.13.4 (the version Prefect 3.8.3 locks),
 * `pydantic/json_schema.py` `GenerateJsonSchema`: see the method named in each branch below.
 */

/** A JSON schema object. */
export type JsonSchema = Record<string, unknown>;

/** One parameter of a flow function's signature. */
export interface SignatureParameter {
  readonly name: string;
  readonly annotation?: SyntaxNode;
  readonly defaultValue?: SyntaxNode;
  /** `*args` or `**kwargs`. */
  readonly variadic?: boolean;
}

/** The schema and what could not be modelled exactly. */
export interface ParameterSchemaResult {
  readonly schema: JsonSchema;
  /** One line per parameter whose schema may differ from Prefect's (an import we cannot read…). */
  readonly notes: readonly string[];
}

const BUILTINS = new Set(['str', 'int', 'float', 'bool', 'bytes', 'complex', 'object', 'list', 'dict', 'set', 'frozenset', 'tuple', 'type']);

/** Alternative spellings of the same type. */
function canonical(qualified: string): string {
  return qualified.replace(/^typing_extensions\./, 'typing.').replace(/^pydantic\.main\./, 'pydantic.').replace(/^datetime\.datetime\.(timezone|UTC)/, 'datetime.$1');
}

const LIST_TYPES = new Set([
  'builtins.list', 'typing.List', 'typing.MutableSequence', 'collections.abc.MutableSequence', // list_schema
  'typing.Sequence', 'collections.abc.Sequence', // _sequence_schema → list_schema as JSON
  'typing.Iterable', 'collections.abc.Iterable', 'typing.Generator', 'collections.abc.Generator', // generator_schema
  'collections.deque', 'typing.Deque', // _deque_schema → list_schema as JSON
]);
const SET_TYPES = new Set(['builtins.set', 'typing.Set', 'typing.MutableSet', 'collections.abc.MutableSet', 'builtins.frozenset', 'typing.FrozenSet', 'collections.abc.Set', 'typing.AbstractSet']);
const DICT_TYPES = new Set([
  'builtins.dict', 'typing.Dict', 'typing.Mapping', 'typing.MutableMapping', 'collections.abc.Mapping', 'collections.abc.MutableMapping',
  'collections.OrderedDict', 'typing.OrderedDict', 'typing.DefaultDict', 'collections.defaultdict',
]);
const COUNTER_TYPES = new Set(['collections.Counter', 'typing.Counter']);
const TUPLE_TYPES = new Set(['builtins.tuple', 'typing.Tuple']);
const PATH_TYPES = new Set(['pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath', 'pathlib.PurePosixPath', 'pathlib.PureWindowsPath', 'os.PathLike']);

/** Leaf types, pydantic's `GenerateSchema.match_type` + the `GenerateJsonSchema` method for each. */
const SCALARS: Record<string, JsonSchema> = {
  'builtins.str': { type: 'string' }, // str_schema
  'builtins.int': { type: 'integer' }, // int_schema
  'builtins.float': { type: 'number' }, // float_schema
  'builtins.bool': { type: 'boolean' }, // bool_schema
  'builtins.bytes': { type: 'string', format: 'binary' }, // bytes_schema (ser_json_bytes='utf8')
  'builtins.complex': { type: 'string' }, // complex_schema
  'builtins.object': {}, // any_schema
  'typing.Any': {},
  'builtins.type': {}, // _type_schema: an is-instance check, {} under GenerateEmptySchemaForUserClasses
  'typing.Type': {},
  'datetime.datetime': { type: 'string', format: 'date-time' }, // datetime_schema
  'datetime.date': { type: 'string', format: 'date' }, // date_schema
  'datetime.time': { type: 'string', format: 'time' }, // time_schema
  'datetime.timedelta': { type: 'string', format: 'duration' }, // timedelta_schema (ser_json_timedelta='iso8601')
  'uuid.UUID': { type: 'string', format: 'uuid' }, // uuid_schema
  'decimal.Decimal': {
    // decimal_schema, validation mode: a number or a string of the no-constraints pattern
    anyOf: [{ type: 'number' }, { type: 'string', pattern: '^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$' }],
  },
  're.Pattern': { type: 'string', format: 'regex' }, // _pattern_schema
  'typing.Pattern': { type: 'string', format: 'regex' },
  'zoneinfo.ZoneInfo': { type: 'string', format: 'zoneinfo' }, // _zoneinfo_schema
  'typing.Callable': {}, // callable_schema is invalid for JSON schema → Prefect falls back to Any
  'collections.abc.Callable': {},
};

const ENUM_BASES = new Set(['enum.Enum', 'enum.IntEnum', 'enum.StrEnum', 'enum.Flag', 'enum.IntFlag', 'enum.ReprEnum']);
const MODEL_BASES = new Set(['pydantic.BaseModel']);
const DATACLASS_DECORATORS = new Set(['dataclasses.dataclass', 'pydantic.dataclasses.dataclass']);

/** A type expression with the source it was parsed from (string annotations are parsed separately). */
interface TypeExpr {
  readonly node: SyntaxNode;
  readonly src: string;
}

type ClassKind = 'enum' | 'model' | 'dataclass' | 'plain' | 'unknown';

/** Builds pydantic-style JSON schemas for the annotations of one module. */
export class ModuleSchemas {
  /** Definitions in the order pydantic adds them. */
  readonly definitions = new Map<string, JsonSchema>();
  private readonly notes: string[] = [];
  private readonly aliasDepth = new Set<string>();

  constructor(readonly module: PyModule) {}

  /** Notes collected since the last call. */
  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  /** The qualified name of a bare or dotted name in this module, or the class it defines. */
  resolve(dotted: string): { qualified?: string; cls?: PyClass; alias?: SyntaxNode } {
    const [head, ...rest] = dotted.split('.');
    if (rest.length === 0 && this.module.classes.has(head)) return { cls: this.module.classes.get(head) };
    if (rest.length === 0 && this.module.assignments.has(head)) return { alias: this.module.assignments.get(head) };
    const imported = this.module.imports.get(head);
    if (imported) return { qualified: canonical([imported, ...rest].join('.')) };
    if (rest.length === 0 && BUILTINS.has(head)) return { qualified: `builtins.${head}` };
    return {};
  }

  /** The JSON schema of an annotation (`undefined`: no annotation, i.e. `Any`). */
  schemaOf(annotation: SyntaxNode | undefined, what: string): JsonSchema {
    if (!annotation) return {};
    return this.typeSchema({ node: annotation, src: this.module.source }, what);
  }

  /** Evaluates a default expression in this module's scope. */
  evaluate(node: SyntaxNode, src = this.module.source): PyValue | undefined {
    return evaluate(node, this.scope(src));
  }

  private note(what: string, message: string): JsonSchema {
    this.notes.push(`${what}: ${message}`);
    return {};
  }

  private typeSchema(t: TypeExpr, what: string): JsonSchema {
    const { node, src } = t;
    switch (node.name) {
      case 'None':
        return { type: 'null' }; // none_schema
      case 'String': {
        // A quoted annotation: `inspect.signature(fn, eval_str=True)` evaluates it in the module.
        const value = this.evaluate(node, src);
        if (value?.kind !== 'str') return this.note(what, `annotation ${text(src, node)} is not a plain string`);
        const expr = parseExpression(value.value);
        return expr ? this.typeSchema(expr, what) : this.note(what, `annotation ${text(src, node)} does not parse`);
      }
      case 'ParenthesizedExpression': {
        const inner = children(node).filter((c) => c.name !== '(' && c.name !== ')');
        return inner.length === 1 ? this.typeSchema({ node: inner[0], src }, what) : this.note(what, `annotation ${text(src, node)} is not a type`);
      }
      case 'BinaryExpression':
        if (text(src, children(node)[1]) === '|') return this.unionSchema(this.unionMembers(t), what);
        return this.note(what, `annotation ${text(src, node)} is not a type`);
      case 'VariableName':
      case 'MemberExpression':
        if (isDottedName(node)) return this.namedTypeSchema(text(src, node).replace(/\s+/g, ''), [], what, src);
        if (isSubscript(node)) {
          const [target, ...rest] = children(node);
          if (!isDottedName(target)) return this.note(what, `annotation ${text(src, node)} is not understood`);
          const args = commaItems(rest).map((item) => ({ node: item[0], src }));
          return this.namedTypeSchema(text(src, target).replace(/\s+/g, ''), args, what, src, t);
        }
        return this.note(what, `annotation ${text(src, node)} is not understood`);
      default:
        return this.note(what, `annotation ${text(src, node)} is not understood`);
    }
  }

  private namedTypeSchema(dotted: string, args: TypeExpr[], what: string, src: string, whole?: TypeExpr): JsonSchema {
    const { qualified, cls, alias } = this.resolve(dotted);
    if (alias) {
      if (args.length > 0 || this.aliasDepth.has(dotted)) return this.note(what, `type alias ${dotted} is not understood`);
      this.aliasDepth.add(dotted);
      try {
        return this.typeSchema({ node: alias, src: this.module.source }, what);
      } finally {
        this.aliasDepth.delete(dotted);
      }
    }
    if (cls) return args.length > 0 ? this.note(what, `generic class ${dotted}[...] is not understood`) : this.classSchema(cls, what);
    if (!qualified) return this.note(what, `${dotted} is not defined or imported in the flow's module`);
    const has = args.length > 0;
    if (qualified === 'typing.Optional' && args.length === 1) return this.unionSchema([...this.unionMembers(args[0]), 'none'], what);
    if (qualified === 'typing.Union' && has) return this.unionSchema(args.flatMap((a) => this.unionMembers(a)), what);
    if (qualified === 'typing.Literal' && has) return this.literalSchema(args, what);
    if (qualified === 'typing.Annotated' && has) return this.annotatedSchema(args, what);
    if (qualified in SCALARS && !has) return { ...SCALARS[qualified] };
    if (LIST_TYPES.has(qualified)) return { type: 'array', items: has ? this.typeSchema(args[0], what) : {} }; // list_schema / generator_schema
    if (SET_TYPES.has(qualified)) return { type: 'array', uniqueItems: true, items: has ? this.typeSchema(args[0], what) : {} }; // _common_set_schema
    if (DICT_TYPES.has(qualified)) return this.dictSchema(has ? args : [], what);
    if (COUNTER_TYPES.has(qualified)) return this.dictSchema(has ? [args[0]] : [], what, { type: 'integer' });
    if (TUPLE_TYPES.has(qualified)) return this.tupleSchema(args, what);
    if (PATH_TYPES.has(qualified) && (!has || qualified === 'os.PathLike')) return { type: 'string', format: 'path' }; // _path_schema
    if (qualified === 'typing.ClassVar' || qualified === 'typing.Final') return has ? this.typeSchema(args[0], what) : {};
    if (whole) return this.note(what, `annotation ${text(src, whole.node)} is not understood`);
    return this.note(what, `${qualified} (imported) is not understood; Prefect may give it a schema`);
  }

  /** Members of a union as Python's typing flattens them (`Optional`, `Union`, `|` nest). */
  private unionMembers(t: TypeExpr): Array<TypeExpr | 'none'> {
    const { node, src } = t;
    if (node.name === 'None') return ['none'];
    if (node.name === 'BinaryExpression' && text(src, children(node)[1]) === '|') {
      const [left, , right] = children(node);
      return [...this.unionMembers({ node: left, src }), ...this.unionMembers({ node: right, src })];
    }
    if (node.name === 'MemberExpression' && isSubscript(node)) {
      const [target, ...rest] = children(node);
      const q = isDottedName(target) ? this.resolve(text(src, target)).qualified : undefined;
      const args = commaItems(rest).map((item) => ({ node: item[0], src }));
      if (q === 'typing.Optional' && args.length === 1) return [...this.unionMembers(args[0]), 'none'];
      if (q === 'typing.Union') return args.flatMap((a) => this.unionMembers(a));
    }
    return [t];
  }

  /**
   * `GenerateSchema._union_schema` puts `None` aside and wraps the rest in `nullable`;
   * `union_schema` / `nullable_schema` → `get_union_of_schemas` → `get_flattened_anyof`
   * (nested `anyOf` flattened, duplicates removed, a single member unwrapped).
   */
  private unionSchema(members: Array<TypeExpr | 'none'>, what: string): JsonSchema {
    const nullable = members.includes('none');
    const choices = members.filter((m): m is TypeExpr => m !== 'none').map((m) => this.typeSchema(m, what));
    let schema: JsonSchema;
    if (choices.length === 0) return { type: 'null' };
    else if (choices.length === 1) schema = choices[0];
    else schema = flattenedAnyOf(choices);
    return nullable ? flattenedAnyOf([schema, { type: 'null' }]) : schema;
  }

  /** `literal_schema`: `const` for one value else `enum`, plus `type` when all values share one. */
  private literalSchema(args: TypeExpr[], what: string): JsonSchema {
    const values: PyValue[] = [];
    const collect = (t: TypeExpr): boolean => {
      if (t.node.name === 'MemberExpression' && isSubscript(t.node)) {
        const [target, ...rest] = children(t.node);
        if (isDottedName(target) && this.resolve(text(t.src, target)).qualified === 'typing.Literal') {
          return commaItems(rest).every((item) => collect({ node: item[0], src: t.src }));
        }
      }
      const v = this.evaluate(t.node, t.src);
      if (!v) return false;
      values.push(v.kind === 'enum' ? v.value : v);
      return true;
    };
    if (!args.every(collect)) return this.note(what, 'a Literal value is not a constant');
    const expected: unknown[] = [];
    for (const v of values) {
      const json = toJsonDefault(v);
      if (!json) return this.note(what, 'a Literal value has no JSON form');
      expected.push(json.value);
    }
    const schema: JsonSchema = expected.length === 1 ? { const: expected[0] } : { enum: expected };
    const kinds = new Set(values.map((v) => (v.kind === 'tuple' ? 'list' : v.kind)));
    const only = kinds.size === 1 ? [...kinds][0] : undefined;
    const typeOf: Record<string, string> = { str: 'string', int: 'integer', float: 'number', bool: 'boolean', list: 'array', none: 'null' };
    if (only && only in typeOf) schema.type = typeOf[only];
    return schema;
  }

  /** `Annotated[T, ...]`: T with the constraints of `Field(...)` / annotated-types metadata. */
  private annotatedSchema(args: TypeExpr[], what: string): JsonSchema {
    const schema = this.typeSchema(args[0], what);
    for (const meta of args.slice(1)) {
      if (meta.node.name === 'String') continue; // plain documentation strings carry no schema
      const field = this.fieldCall(meta.node, meta.src);
      if (!field) return this.note(what, `Annotated metadata ${text(meta.src, meta.node)} is not understood`);
      Object.assign(schema, fieldJsonUpdates(field, schema, what, (m) => this.note(what, m)));
    }
    return schema;
  }

  /** `dict_schema`: `additionalProperties` is the value schema (its title dropped), `true` for Any. */
  private dictSchema(args: TypeExpr[], what: string, valueOverride?: JsonSchema): JsonSchema {
    const keys = args[0] ? this.typeSchema(args[0], what) : {};
    const values = valueOverride ?? (args[1] ? { ...this.typeSchema(args[1], what) } : {});
    delete values.title;
    const schema: JsonSchema = { type: 'object' };
    const keyPattern = '$ref' in keys ? undefined : keys.pattern;
    if (Object.keys(values).length > 0 || keyPattern !== undefined) {
      if (keyPattern === undefined) schema.additionalProperties = values;
      else schema.patternProperties = { [String(keyPattern)]: values };
    } else {
      schema.additionalProperties = true;
    }
    const { pattern: _p, title: _t, ...keyRest } = keys;
    if ((keys.type === 'string' && Object.keys(keyRest).length > 1) || '$ref' in keys) {
      const { type: _type, ...names } = '$ref' in keys ? keys : keyRest;
      schema.propertyNames = names;
    }
    return schema;
  }

  /** `tuple_schema`: `prefixItems` + `minItems`/`maxItems`, or `items` for `tuple[T, ...]`. */
  private tupleSchema(args: TypeExpr[], what: string): JsonSchema {
    if (args.length === 0) return { type: 'array', items: {} }; // bare tuple = tuple[Any, ...]
    if (args.length === 2 && args[1].node.name === 'Ellipsis') return { type: 'array', items: this.typeSchema(args[0], what) };
    if (args.length === 1 && args[0].node.name === 'TupleExpression' && commaItems(children(args[0].node)).length === 0) {
      return { type: 'array', minItems: 0, maxItems: 0 }; // tuple[()]
    }
    const prefixItems = args.map((a) => this.typeSchema(a, what));
    return { type: 'array', prefixItems, minItems: prefixItems.length, maxItems: prefixItems.length };
  }

  /** Enums, pydantic models and dataclasses are `$ref`s into `definitions`; other classes are `{}`. */
  private classSchema(cls: PyClass, what: string): JsonSchema {
    const ref = { $ref: `#/definitions/${cls.name}` };
    if (this.definitions.has(cls.name)) return ref;
    const kind = this.classKind(cls);
    if (kind === 'plain') return {}; // is-instance check → {} (GenerateEmptySchemaForUserClasses)
    if (kind === 'unknown') return this.note(what, `class ${cls.name} derives from a class defined elsewhere; its schema is not known`);
    if (kind === 'enum') {
      const schema = this.enumSchema(cls, what);
      if (!schema) return {};
      this.definitions.set(cls.name, schema);
      return ref;
    }
    this.definitions.set(cls.name, {}); // placeholder: self-references resolve to the ref
    const schema = this.modelSchema(cls, kind, what);
    if (!schema) {
      this.definitions.delete(cls.name);
      return {};
    }
    this.definitions.set(cls.name, schema);
    return ref;
  }

  /** Which pydantic schema a module-level class gets. */
  classKind(cls: PyClass, seen = new Set<string>()): ClassKind {
    if (seen.has(cls.name)) return 'unknown';
    seen.add(cls.name);
    if (cls.decorators.some((d) => DATACLASS_DECORATORS.has(this.resolve(decoratorParts(this.module.source, d).name).qualified ?? ''))) return 'dataclass';
    let kind: ClassKind = 'plain';
    for (const base of cls.bases) {
      if (!isDottedName(base)) return 'unknown';
      const { qualified, cls: parent } = this.resolve(text(this.module.source, base));
      if (parent) {
        const parentKind = this.classKind(parent, seen);
        if (parentKind !== 'plain') return parentKind;
      } else if (qualified && ENUM_BASES.has(qualified)) {
        kind = 'enum';
      } else if (qualified && MODEL_BASES.has(qualified)) {
        return 'model';
      } else if (!['builtins.str', 'builtins.int', 'builtins.float', 'builtins.object'].includes(qualified ?? '')) {
        return 'unknown';
      }
    }
    return kind;
  }

  /** `enum_schema` + `_enum_schema`'s title/description: `{title, description?, enum, type?}`. */
  private enumSchema(cls: PyClass, what: string): JsonSchema | undefined {
    const members: unknown[] = [];
    const kinds = new Set<string>();
    for (const { name, value: v } of this.enumMembers(cls)) {
      const json = v && toJsonDefault(v);
      if (!v || !json) {
        this.note(what, `the value of ${cls.name}.${name} is not a constant; the enum's schema is not known`);
        return undefined;
      }
      if (members.some((m) => JSON.stringify(m) === JSON.stringify(json.value))) continue; // an alias, not a member
      members.push(json.value);
      kinds.add(v.kind === 'tuple' ? 'list' : v.kind);
    }
    const schema: JsonSchema = { title: cls.name };
    const doc = classDocstring(this, cls);
    if (doc && doc !== 'An enumeration.') schema.description = doc;
    schema.enum = members;
    const only = kinds.size === 1 ? [...kinds][0] : undefined;
    const typeOf: Record<string, string> = { str: 'string', int: 'integer', float: 'number', bool: 'boolean', list: 'array' };
    if (only && only in typeOf) schema.type = typeOf[only];
    return schema;
  }

  /** `model_schema` / `dataclass_schema`: `{properties, required?, title, type: object, description?}`. */
  private modelSchema(cls: PyClass, kind: ClassKind, what: string): JsonSchema | undefined {
    const fields = this.modelFields(cls, what);
    if (!fields) return undefined;
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const f of fields) {
      const schema = { ...f.schema };
      if (f.default !== undefined) schema.default = f.default;
      Object.assign(schema, f.updates);
      // _named_required_fields_schema: the field name as title unless the type brings its own (refs).
      if (!('title' in schema) && f.titleFromName) schema.title = pythonTitle(f.name);
      properties[f.alias ?? f.name] = this.withoutRedundantRefSiblings(schema);
      if (f.required) required.push(f.alias ?? f.name);
    }
    const schema: JsonSchema = { properties };
    if (required.length > 0) schema.required = required;
    schema.title = cls.name;
    schema.type = 'object';
    const doc = classDocstring(this, cls);
    // Stdlib dataclasses get an automatic `Name(...)` docstring, which pydantic ignores.
    if (doc && !(kind === 'dataclass' && doc.startsWith(`${cls.name}(`))) schema.description = doc;
    const extra = this.modelConfigExtra(cls);
    if (extra === 'allow') schema.additionalProperties = true;
    if (extra === 'forbid') schema.additionalProperties = false;
    return schema;
  }

  private modelConfigExtra(cls: PyClass): string | undefined {
    const src = this.module.source;
    for (const statement of cls.body) {
      const [target, op, value] = children(statement);
      if (statement.name !== 'AssignStatement' || text(src, target) !== 'model_config' || op?.name !== 'AssignOp' || !value) continue;
      const extra = value.name === 'CallExpression' ? callArguments(src, value.getChild('ArgList') ?? undefined).keywords.get('extra') : undefined;
      const v = extra && this.evaluate(extra);
      return v?.kind === 'str' ? v.value : undefined;
    }
    const kw = cls.keywords.get('extra');
    const v = kw && this.evaluate(kw);
    return v?.kind === 'str' ? v.value : undefined;
  }

  /** Fields in pydantic's order: inherited ones first, overrides keep their place. */
  private modelFields(cls: PyClass, what: string): ModelField[] | undefined {
    const src = this.module.source;
    const fields: ModelField[] = [];
    for (const base of cls.bases) {
      const parent = isDottedName(base) ? this.resolve(text(src, base)).cls : undefined;
      if (!parent) continue;
      const inherited = this.modelFields(parent, what);
      if (!inherited) return undefined;
      for (const f of inherited) if (!fields.some((x) => x.name === f.name)) fields.push(f);
    }
    for (const statement of cls.body) {
      if (statement.name !== 'AssignStatement') continue;
      const kids = children(statement);
      const typeDef = kids[1]?.name === 'TypeDef' ? kids[1] : undefined;
      if (kids[0]?.name !== 'VariableName' || !typeDef) continue;
      const name = text(src, kids[0]);
      const annotation = children(typeDef).find((c) => c.name !== ':');
      if (name.startsWith('_') || !annotation) continue; // private attributes
      if (/^(typing\.)?ClassVar\b/.test(this.resolve(text(src, annotation).split('[')[0]).qualified ?? '')) continue;
      const fieldWhat = `${what} (${cls.name}.${name})`;
      const schema = this.typeSchema({ node: annotation, src }, fieldWhat);
      const valueNode = kids[3];
      const field: ModelField = { name, schema, required: true, titleFromName: titleShouldBeSet(schema), updates: {} };
      if (valueNode) {
        const call = this.fieldCall(valueNode, src);
        if (call) {
          Object.assign(field, this.fieldFromCall(call, schema, fieldWhat));
        } else {
          const v = this.evaluate(valueNode);
          const json = v && toJsonDefault(v);
          if (!json) this.note(fieldWhat, 'the default is not a constant; left out of the schema');
          field.required = false;
          field.default = json?.value;
        }
      }
      const at = fields.findIndex((f) => f.name === name);
      if (at >= 0) fields[at] = field;
      else fields.push(field);
    }
    return fields;
  }

  /** `Field(...)` / `dataclasses.field(...)` arguments, evaluated. */
  fieldCall(node: SyntaxNode, src: string): FieldCall | undefined {
    if (node.name !== 'CallExpression') return undefined;
    const callee = node.firstChild!;
    const q = isDottedName(callee) ? this.resolve(text(src, callee)).qualified : undefined;
    if (q !== 'pydantic.Field' && q !== 'pydantic.fields.Field' && q !== 'dataclasses.field') return undefined;
    const { positional, keywords } = callArguments(src, node.getChild('ArgList') ?? undefined);
    const values = new Map<string, PyValue | undefined>();
    if (positional[0]) values.set('default', this.evaluate(positional[0], src));
    for (const [k, v] of keywords) values.set(k, this.evaluate(v, src));
    return { values, keywords: new Set(keywords.keys()) };
  }

  private fieldFromCall(call: FieldCall, schema: JsonSchema, what: string): Partial<ModelField> {
    const out: Partial<ModelField> = { updates: fieldJsonUpdates(call, schema, what, (m) => this.note(what, m)) };
    const dflt = call.values.get('default');
    if (call.values.has('default') && dflt?.kind !== 'ellipsis') {
      const json = dflt && toJsonDefault(dflt);
      if (!json) this.note(what, 'the default is not a constant; left out of the schema');
      out.required = false;
      out.default = json?.value;
    }
    if (call.keywords.has('default_factory')) out.required = false; // factories never show as `default`
    const alias = call.values.get('alias');
    if (alias?.kind === 'str') out.alias = alias.value;
    const title = call.values.get('title');
    if (title?.kind === 'str') out.updates = { title: title.value, ...out.updates };
    return out;
  }

  /** `handle_ref_overrides`: sibling keys equal to the referenced definition's are dropped. */
  withoutRedundantRefSiblings(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    const target = this.definitions.get(ref.replace('#/definitions/', ''));
    if (!target) return schema;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k !== '$ref' && k in target && JSON.stringify(target[k]) === JSON.stringify(v)) continue;
      out[k] = v;
    }
    return out;
  }

  private scope(src: string): EvalScope {
    return {
      source: src,
      name: (dotted) => this.nameValue(dotted, new Set()),
      call: (callee, positional, keywords) => this.callValue(callee, positional, keywords),
    };
  }

  private nameValue(dotted: string, seen: Set<string>): PyValue | undefined {
    const [head, ...rest] = dotted.split('.');
    const { qualified, cls, alias } = this.resolve(head);
    if (alias && rest.length === 0 && !seen.has(head)) {
      seen.add(head);
      return evaluate(alias, { ...this.scope(this.module.source), name: (d) => this.nameValue(d, seen) });
    }
    if (cls && rest.length === 1 && this.classKind(cls) === 'enum') return this.enumMember(cls, rest[0]);
    const q = qualified && canonical([qualified, ...rest].join('.'));
    if (q === 'datetime.timezone.utc' || q === 'datetime.UTC') return { kind: 'instance', cls: 'datetime.timezone.utc', json: null };
    return undefined;
  }

  private enumMember(cls: PyClass, member: string): PyValue | undefined {
    const found = this.enumMembers(cls).find((m) => m.name === member);
    return found?.value && { kind: 'enum', cls: cls.name, member, value: found.value };
  }

  /** `NAME = value` entries of an Enum body in order, `auto()` numbered as Enum/StrEnum do. */
  private enumMembers(cls: PyClass): Array<{ name: string; value: PyValue | undefined }> {
    const src = this.module.source;
    const isStrEnum = cls.bases.some((b) => this.resolve(text(src, b)).qualified === 'enum.StrEnum');
    const out: Array<{ name: string; value: PyValue | undefined }> = [];
    let lastInt = 0;
    for (const statement of cls.body) {
      const [target, op, value] = children(statement);
      if (statement.name !== 'AssignStatement' || target?.name !== 'VariableName' || op?.name !== 'AssignOp' || !value) continue;
      const name = text(src, target);
      if (/^_.*_$/.test(name)) continue; // _ignore_, _order_, dunders
      let v: PyValue | undefined;
      if (value.name === 'CallExpression' && this.resolve(text(src, value.firstChild!)).qualified === 'enum.auto') {
        v = isStrEnum ? { kind: 'str', value: name.toLowerCase() } : { kind: 'int', value: ++lastInt };
      } else {
        v = this.evaluate(value);
        if (v?.kind === 'int') lastInt = v.value;
      }
      out.push({ name, value: v });
    }
    return out;
  }

  private callValue(callee: string, positional: PyValue[], keywords: Map<string, PyValue>): PyValue | undefined {
    const { qualified, cls } = this.resolve(callee);
    if (qualified) return constructDatetimeValue(qualified, positional, keywords);
    if (!cls) return undefined;
    const kind = this.classKind(cls);
    if (kind === 'enum' && positional.length === 1) return this.enumByValue(cls, positional[0]);
    if (kind !== 'model' && kind !== 'dataclass') return undefined;
    // An instance default is dumped whole (`to_jsonable_python` of the model): every field, by alias.
    const fields = this.modelFields(cls, `${cls.name}()`);
    if (!fields || positional.length > (kind === 'dataclass' ? fields.length : 0)) return undefined;
    const json: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const given = i < positional.length ? positional[i] : keywords.get(f.alias ?? f.name) ?? keywords.get(f.name);
      if (given) {
        const enc = toJsonDefault(given);
        if (!enc) return undefined;
        json[f.alias ?? f.name] = enc.value;
      } else if (!f.required && f.default !== undefined) {
        json[f.alias ?? f.name] = f.default;
      } else {
        return undefined;
      }
    }
    return { kind: 'instance', cls: cls.name, json };
  }

  private enumByValue(cls: PyClass, value: PyValue): PyValue | undefined {
    const want = toJsonDefault(value);
    const schema = this.enumSchema(cls, cls.name);
    const found = schema && (schema.enum as unknown[]).find((m) => JSON.stringify(m) === JSON.stringify(want?.value));
    return found === undefined ? undefined : { kind: 'enum', cls: cls.name, member: '', value };
  }
}

/** Evaluated arguments of a `Field(...)` call. */
export interface FieldCall {
  readonly values: Map<string, PyValue | undefined>;
  readonly keywords: ReadonlySet<string>;
}

interface ModelField {
  name: string;
  alias?: string;
  schema: JsonSchema;
  required: boolean;
  default?: unknown;
  titleFromName: boolean;
  updates: JsonSchema;
}

/**
 * What a `Field(...)` adds to its type's schema: `title`/`description`/`examples`
 * (`_extract_json_schema_info_from_field_info`), `json_schema_extra`, and the constraints
 * `update_with_validations` maps per type (`ValidationsMapping`).
 */
export function fieldJsonUpdates(call: FieldCall, schema: JsonSchema, what: string, note: (m: string) => void): JsonSchema {
  const out: JsonSchema = {};
  const constraints: Record<string, Record<string, string>> = {
    numeric: { multiple_of: 'multipleOf', le: 'maximum', ge: 'minimum', lt: 'exclusiveMaximum', gt: 'exclusiveMinimum' },
    string: { min_length: 'minLength', max_length: 'maxLength', pattern: 'pattern' },
    array: { min_length: 'minItems', max_length: 'maxItems' },
    object: { min_length: 'minProperties', max_length: 'maxProperties' },
  };
  const group = schema.type === 'integer' || schema.type === 'number' ? 'numeric' : typeof schema.type === 'string' ? String(schema.type) : undefined;
  for (const [key, value] of call.values) {
    if (['default', 'default_factory', 'alias', 'title'].includes(key)) continue;
    const json = value && toJsonDefault(value);
    if (key === 'description' || key === 'examples') {
      if (json) out[key] = json.value;
      continue;
    }
    if (key === 'json_schema_extra' && value?.kind === 'dict' && json) {
      Object.assign(out, json.value);
      continue;
    }
    const mapped = group ? constraints[group]?.[key] : undefined;
    if (mapped && json) out[mapped] = json.value;
    else note(`Field(${key}=...) is not modelled; Prefect's schema may differ (${what})`);
  }
  return out;
}

/** `field_title_should_be_set`: not for refs (enums, models), also under `Optional`. */
function titleShouldBeSet(schema: JsonSchema): boolean {
  if ('$ref' in schema) return false;
  const anyOf = schema.anyOf as JsonSchema[] | undefined;
  if (anyOf && anyOf.length === 2 && anyOf.some((s) => s.type === 'null') && anyOf.some((s) => '$ref' in s) && Object.keys(schema).length === 1) return false;
  return true;
}

/** Python's `str.title()` then `_` → space, as `get_title_from_name` does. */
export function pythonTitle(name: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of name) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (prevCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevCased = cased;
  }
  return out.replace(/_/g, ' ').trim();
}

function classDocstring(schemas: ModuleSchemas, cls: PyClass): string | undefined {
  const node = docstringNode(cls.body);
  const value = node && schemas.evaluate(node);
  return value?.kind === 'str' ? cleandoc(value.value) : undefined;
}

/** `get_flattened_anyof`: members that are bare `anyOf`s are spliced in, duplicates dropped. */
export function flattenedAnyOf(schemas: JsonSchema[]): JsonSchema {
  const members: JsonSchema[] = [];
  for (const s of schemas) {
    if (Object.keys(s).length === 1 && Array.isArray(s.anyOf)) members.push(...(s.anyOf as JsonSchema[]));
    else members.push(s);
  }
  const seen = new Map<string, JsonSchema>();
  for (const m of members) {
    const key = sortedJson(m);
    if (!seen.has(key)) seen.set(key, m);
  }
  const unique = [...seen.values()];
  return unique.length === 1 ? unique[0] : { anyOf: unique };
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function isSubscript(node: SyntaxNode): boolean {
  return node.name === 'MemberExpression' && children(node).some((c) => c.name === '[');
}

/** Parses the text of a quoted annotation as one expression. */
function parseExpression(source: string): TypeExpr | undefined {
  const tree = parser.parse(source.trim());
  const statements = children(tree.topNode);
  if (statements.length !== 1 || statements[0].name !== 'ExpressionStatement') return undefined;
  const expr = statements[0].firstChild;
  let hasError = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) hasError = true; } });
  return expr && !hasError ? { node: expr, src: source.trim() } : undefined;
}

/** Builds the whole `parameter_openapi_schema` for a signature. */
export function buildParameterSchema(
  schemas: ModuleSchemas,
  parameters: readonly SignatureParameter[],
  descriptions: ReadonlyMap<string, string>,
): ParameterSchemaResult {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const notes: string[] = [];
  parameters.forEach((p, position) => {
    if (p.name === 'self' || p.name === 'cls') return; // skipped, but counted in `position`
    const what = `parameter ${p.name}`;
    let schema = { ...schemas.schemaOf(p.annotation, what) };
    let extra: JsonSchema = {};
    let description = descriptions.get(p.name);
    let isRequired = p.defaultValue === undefined;
    if (p.defaultValue) {
      // `Field(...)` as a default: Prefect keeps its default, description and json_schema_extra only.
      const field = schemas.fieldCall(p.defaultValue, schemas.module.source);
      const valueNode = field ? undefined : p.defaultValue;
      let value: PyValue | undefined;
      if (field) {
        value = field.values.get('default');
        if (!field.values.has('default') || value?.kind === 'ellipsis') isRequired = true;
        const desc = field.values.get('description');
        if (desc?.kind === 'str') description = desc.value;
        const ex = field.values.get('json_schema_extra');
        const exJson = ex && toJsonDefault(ex);
        if (exJson && typeof exJson.value === 'object') extra = exJson.value as JsonSchema;
      } else if (valueNode) {
        value = schemas.evaluate(valueNode);
      }
      if (!isRequired) {
        const json = value && toJsonDefault(value);
        if (json) schema.default = json.value;
        else notes.push(`${what}: its default is not a constant expression; left out of the schema (Prefect shows the value it evaluates to)`);
      }
    }
    schema.title = p.name;
    if (description !== undefined) schema.description = description;
    schema = { ...schema, ...extra, position };
    properties[p.name] = schemas.withoutRedundantRefSiblings(schema);
    if (isRequired) required.push(p.name);
  });
  notes.push(...schemas.takeNotes());
  const schema: JsonSchema = { title: 'Parameters', type: 'object', properties };
  if (required.length > 0) schema.required = required;
  if (schemas.definitions.size > 0) schema.definitions = Object.fromEntries(schemas.definitions);
  return { schema, notes };
}
