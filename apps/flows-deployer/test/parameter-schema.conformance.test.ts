import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { APP_DIR } from './support/workspace';
import { inspectFlowSource } from '../src/manifest/flow-source';

/**
 * Conformance table: flow signature → the `parameter_openapi_schema` Prefect 3.8.3 stores.
 *
 * No Python runs here, so every expected value is derived by hand from the sources, cited per row:
 * - Prefect 3.8.3 (PrefectHQ/prefect tag 3.8.3): `src/prefect/utilities/callables/__init__.py`
 *   (`ParameterSchema` 376-389, `parameter_docstrings` 392-417, `parameter_schema` 469-492,
 *   `generate_parameter_schema` 529-582) and `src/prefect/_internal/pydantic/v2_schema.py`
 *   (`process_v2_params` 51-96: title = name, description from the docstring, default, and
 *   `json_schema_extra={"position": i}`; `create_v2_schema` 99-136: `ref_template="#/definitions/{model}"`,
 *   `$defs` copied to `definitions`), sent as `model_dump(exclude_unset=True)` (`deployments/runner.py` 459-461).
 * - pydantic 2.13.4 (locked by Prefect 3.8.3's uv.lock): `pydantic/json_schema.py` `GenerateJsonSchema`
 *   and `pydantic/_internal/_generate_schema.py` `GenerateSchema`, line numbers at tag v2.13.4.
 * - griffe 2.1.0 for docstrings: `packages/griffelib/src/griffe/_internal/docstrings/google.py`.
 */

const HEADER = `from __future__ import annotations
import datetime as dt
import datetime
from datetime import timedelta, date
from enum import Enum, IntEnum, auto
from typing import Any, Dict, List, Literal, Optional, Set, Tuple, Union
from pydantic import BaseModel, Field
from prefect import flow

LIMIT = 10 * 2

class Color(str, Enum):
    """Colours a report can use."""
    RED = "red"
    GREEN = "green"
    CRIMSON = "red"

class Level(IntEnum):
    LOW = auto()
    HIGH = auto()

class Options(BaseModel):
    """Tuning knobs."""
    max_retries: int = 3
    label: str
    color: Optional[Color] = None
    ratio: float = Field(0.5, description="share", ge=0, le=1)
`;

/** Schema of one flow `f` whose signature (and body) is `def`. */
function schemaOf(def: string): Record<string, unknown> {
  return inspectFlowSource(`${HEADER}\n@flow\n${def}\n    pass\n`, 'f').parameterSchema;
}

/** `properties.x` of a one-parameter flow. */
function property(signature: string): unknown {
  return (schemaOf(`def f(${signature}):`).properties as Record<string, unknown>).x;
}

type Row = [string, string, Record<string, unknown>];

// [case, signature of the single parameter `x`, expected property] — all at position 0, titled "x".
const PROPERTY_CASES: Row[] = [
  // dict_schema (json_schema.py 1070-1116): no value schema → `additionalProperties: true`
  ['bare dict', 'x: dict', { type: 'object', additionalProperties: true }],
  ['Dict[str, Any]', 'x: Dict[str, Any]', { type: 'object', additionalProperties: true }],
  ['dict[str, float]', 'x: dict[str, float]', { type: 'object', additionalProperties: { type: 'number' } }],
  // list_schema (957-971) around dict_schema
  ['list[dict]', 'x: list[dict]', { type: 'array', items: { type: 'object', additionalProperties: true } }],
  ['List[Dict[str, Any]]', 'x: List[Dict[str, Any]]', { type: 'array', items: { type: 'object', additionalProperties: true } }],
  ['bare list', 'x: list', { type: 'array', items: {} }],
  // literal_schema (838-868): `const` for one value, `enum` otherwise; `type` when all values share a Python type
  ['Literal of strings', 'x: Literal["a", "b"]', { enum: ['a', 'b'], type: 'string' }],
  ['Literal of one value', 'x: Literal["only"] = "only"', { const: 'only', type: 'string', default: 'only' }],
  ['Literal of ints', 'x: Literal[1, 2]', { enum: [1, 2], type: 'integer' }],
  ['Literal of mixed types', 'x: Literal[1, "a"]', { enum: [1, 'a'] }],
  ['Literal[True]', 'x: Literal[True]', { const: true, type: 'boolean' }],
  // tuple_schema (993-1026) via _tuple_schema (_generate_schema.py 1674-1702)
  ['tuple[int, str]', 'x: tuple[int, str]', { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }], minItems: 2, maxItems: 2 }],
  ['Tuple[int, ...]', 'x: Tuple[int, ...]', { type: 'array', items: { type: 'integer' } }],
  ['bare tuple', 'x: tuple', { type: 'array', items: {} }],
  ['tuple[()]', 'x: tuple[()]', { type: 'array', minItems: 0, maxItems: 0 }],
  // _common_set_schema (1050-1054)
  ['set[str]', 'x: set[str]', { type: 'array', uniqueItems: true, items: { type: 'string' } }],
  ['Set[int]', 'x: Set[int]', { type: 'array', uniqueItems: true, items: { type: 'integer' } }],
  ['frozenset', 'x: frozenset', { type: 'array', uniqueItems: true, items: {} }],
  // datetime_schema (814-823) through an aliased module, and both import styles
  ['dt.datetime (aliased module)', 'x: dt.datetime', { type: 'string', format: 'date-time' }],
  ['datetime.date (module)', 'x: datetime.date', { type: 'string', format: 'date' }],
  ['date (imported name)', 'x: date', { type: 'string', format: 'date' }],
  // quoted annotations: parameter_schema uses inspect.signature(fn, eval_str=True) (callables 485)
  ['quoted "int"', 'x: "int"', { type: 'integer' }],
  ['quoted "Optional[str]"', 'x: "Optional[str]" = None', { anyOf: [{ type: 'string' }, { type: 'null' }], default: null }],
  // bytes_schema (779-790): ser_json_bytes defaults to 'utf8' → format binary
  ['bytes', 'x: bytes', { type: 'string', format: 'binary' }],
  // timedelta_schema (825-836): ser_json_timedelta 'iso8601' → format duration; the default as speedate prints it
  ['timedelta', 'x: timedelta = timedelta(hours=1)', { type: 'string', format: 'duration', default: 'PT1H' }],
  ['timedelta over a year', 'x: timedelta = timedelta(days=400, seconds=90)', { type: 'string', format: 'duration', default: 'P1Y35DT1M30S' }],
  // _union_schema (_generate_schema.py 1335-1360): None aside, then nullable; get_flattened_anyof (2408-2418)
  ['Optional[Union[int, str]]', 'x: Optional[Union[int, str]] = None', { anyOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }], default: null }],
  ['Union[None, int]', 'x: Union[None, int]', { anyOf: [{ type: 'integer' }, { type: 'null' }] }],
  ['int | None', 'x: int | None = None', { anyOf: [{ type: 'integer' }, { type: 'null' }], default: null }],
  ['Union of equal schemas', 'x: Union[List[int], list[int]]', { type: 'array', items: { type: 'integer' } }],
  // any_schema (627-636): no annotation and Any are {}
  ['no annotation', 'x', {}],
  ['Any', 'x: Any = 1', { default: 1 }],
  // defaults are evaluated (the flow is imported), then encode_default (2332-2359) → JSON
  ['1_000', 'x: int = 1_000', { type: 'integer', default: 1000 }],
  ['60 * 60', 'x: int = 60 * 60', { type: 'integer', default: 3600 }],
  ['implicit string concatenation', 'x: str = "abc" "def"', { type: 'string', default: 'abcdef' }],
  ['negative and power', 'x: int = -2 ** 4', { type: 'integer', default: -16 }],
  ['true division', 'x: float = 1 / 4', { type: 'number', default: 0.25 }],
  ['module constant', 'x: int = LIMIT', { type: 'integer', default: 20 }],
  ['tuple default', 'x: tuple[int, int] = (1, 2)', { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'integer' }], minItems: 2, maxItems: 2, default: [1, 2] }],
  // default_schema (1173-1233) sorts set defaults of more than one item
  ['set default', 'x: set[str] = {"b", "a"}', { type: 'array', uniqueItems: true, items: { type: 'string' }, default: ['a', 'b'] }],
  ['hex default', 'x: int = 0x10', { type: 'integer', default: 16 }],
];

describe('parameter schema conformance with Prefect 3.8.3 + pydantic 2.13.4', () => {
  it.each(PROPERTY_CASES)('%s', (_name, signature, expected) => {
    expect(property(signature)).toEqual({ ...expected, title: 'x', position: 0 });
  });

  it('Enum: a $ref into definitions with title, docstring, values and type; the default is the member value', () => {
    // enum_schema (json_schema.py 881-915) + _enum_schema's title/description (_generate_schema.py 410-443);
    // aliases (CRIMSON = "red") are not members; handle_ref_overrides (2294-2319) keeps the differing title.
    // pydantic's own tests/test_json_schema.py::test_enum_schema_custom_field (lines 330-360) shows the same shape:
    // `$ref` with `default`/`title` siblings, and no `description` for an enum without a docstring.
    expect(schemaOf('def f(color: Color = Color.RED, level: Level = Level.HIGH):')).toEqual({
      title: 'Parameters',
      type: 'object',
      properties: {
        color: { $ref: '#/definitions/Color', default: 'red', title: 'color', position: 0 },
        level: { $ref: '#/definitions/Level', default: 2, title: 'level', position: 1 },
      },
      definitions: {
        Color: { title: 'Color', description: 'Colours a report can use.', enum: ['red', 'green'], type: 'string' },
        Level: { title: 'Level', enum: [1, 2], type: 'integer' },
      },
    });
  });

  it('pydantic model: a $ref, fields titled from their names, nested refs without titles, Field() constraints', () => {
    // model_schema/_update_class_schema (1604-1704): title = class name, description = cleandoc(docstring);
    // _named_required_fields_schema (1514-1537) + get_title_from_name (2161-2170): "max_retries" → "Max Retries";
    // field_title_should_be_set (2172-2199): no title for a (nullable) ref; update_with_validations: ge/le → minimum/maximum.
    expect(schemaOf('def f(options: Options, fallback: Optional[Options] = None):')).toEqual({
      title: 'Parameters',
      type: 'object',
      properties: {
        options: { $ref: '#/definitions/Options', title: 'options', position: 0 },
        fallback: { anyOf: [{ $ref: '#/definitions/Options' }, { type: 'null' }], default: null, title: 'fallback', position: 1 },
      },
      required: ['options'],
      definitions: {
        Color: { title: 'Color', description: 'Colours a report can use.', enum: ['red', 'green'], type: 'string' },
        Options: {
          title: 'Options',
          description: 'Tuning knobs.',
          type: 'object',
          properties: {
            max_retries: { type: 'integer', default: 3, title: 'Max Retries' },
            label: { type: 'string', title: 'Label' },
            color: { anyOf: [{ $ref: '#/definitions/Color' }, { type: 'null' }], default: null },
            ratio: { type: 'number', default: 0.5, description: 'share', minimum: 0, maximum: 1, title: 'Ratio' },
          },
          required: ['label'],
        },
      },
    });
  });

  it('a model instance default is dumped whole (encode_default → to_jsonable_python of the model)', () => {
    expect((schemaOf('def f(o: Options = Options(label="x")):').properties as Record<string, { default: unknown }>).o.default).toEqual({
      max_retries: 3,
      label: 'x',
      color: null,
      ratio: 0.5,
    });
  });

  it('Google-style Args: descriptions, continuation lines joined with a newline, types in parentheses dropped', () => {
    // parameter_docstrings (callables 392-417) with griffe's _read_block_items/_read_parameters (google.py 92-253);
    // "Keyword Args:" is other_parameters (google.py 56), not read by Prefect.
    const schema = schemaOf(`def f(a: int, b: str = "x", c: int = 0):
    """Does things.

    Args:
        a: The first one.
            It continues here.
        b (str, optional): The second.

    Keyword Args:
        c: not a parameters section.
    """`);
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(props.a.description).toBe('The first one.\nIt continues here.');
    expect(props.b.description).toBe('The second.');
    expect(props.c).not.toHaveProperty('description');
  });

  it('*args and **kwargs are properties in signature order, required, so later positions shift', () => {
    // generate_parameter_schema enumerates every signature parameter (callables 563-578); *args/**kwargs have no
    // default, so process_v2_params gives them `...` (v2_schema.py 89): required.
    expect(schemaOf('def f(a: int, *args: str, b: int = 1, **kwargs):')).toEqual({
      title: 'Parameters',
      type: 'object',
      properties: {
        a: { type: 'integer', title: 'a', position: 0 },
        args: { type: 'string', title: 'args', position: 1 },
        b: { type: 'integer', default: 1, title: 'b', position: 2 },
        kwargs: { title: 'kwargs', position: 3 },
      },
      required: ['a', 'args', 'kwargs'],
    });
  });

  it('no parameters: no required and no definitions keys (model_dump(exclude_unset=True))', () => {
    expect(schemaOf('def f():')).toEqual({ title: 'Parameters', type: 'object', properties: {} });
  });

  it('notes what it cannot model instead of guessing', () => {
    const flow = inspectFlowSource(`${HEADER}\nfrom elsewhere import Thing\nimport os\n@flow\ndef f(t: Thing, n: int = int(os.environ["N"])):\n    pass\n`, 'f');
    expect(flow.parameterSchema.properties).toEqual({ t: { title: 't', position: 0 }, n: { type: 'integer', title: 'n', position: 1 } });
    expect(flow.notes).toEqual([
      'parameter n: its default is not a constant expression; left out of the schema (Prefect shows the value it evaluates to)',
      'parameter t: elsewhere.Thing (imported) is not understood; Prefect may give it a schema',
    ]);
  });

  it.each([
    [
      'flows/blog_data/ingest.py',
      'ingest_posts',
      {
        lookback_hours: { type: 'integer', default: 26, title: 'lookback_hours', position: 0 },
        include_drafts: { type: 'boolean', default: false, title: 'include_drafts', position: 1 },
      },
    ],
    [
      'flows/blog_data/metrics.py',
      'refresh_post_metrics',
      {
        window_days: { type: 'integer', default: 7, title: 'window_days', position: 0 },
        only_path_prefix: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, title: 'only_path_prefix', position: 1 },
      },
    ],
    [
      'flows/blog_data/rebuild.py',
      'rebuild_clean_dataset',
      {
        publish_site: { type: 'boolean', default: true, title: 'publish_site', position: 0 },
        prefix: { type: 'string', default: 'staging/', title: 'prefix', position: 1 },
      },
    ],
  ])('the repository flow %s matches exactly', (file, fn, properties) => {
    const flow = inspectFlowSource(readFileSync(path.join(APP_DIR, file), 'utf8'), fn);
    expect(flow.parameterSchema).toStrictEqual({ title: 'Parameters', type: 'object', properties });
    expect(flow.notes).toEqual([]);
  });
});
