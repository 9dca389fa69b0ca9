import * as jsYaml from 'js-yaml';
import { CORE_SCHEMA, load, Type, YAMLException } from 'js-yaml';

/** js-yaml 4 exports its built-in types at runtime; @types/js-yaml does not declare them. */
const MERGE_TYPE = (jsYaml as unknown as { readonly types: { readonly merge: Type } }).types.merge;

/** YAML 1.2 core types plus `<<:` merge keys: what `yaml`'s parseDocument({ merge: true }) reads. */
const MANIFEST_SCHEMA = CORE_SCHEMA.extend({ implicit: [MERGE_TYPE] });

/** More values than this after following aliases is an alias bomb, not a manifest (10,000 deployments use ~1M). */
export const MAX_EXPANDED_VALUES = 20_000_000;

/**
 * Parses manifest YAML quickly and in little memory: js-yaml builds plain values directly, where
 * `yaml`'s document model took 23 s and 320 MiB for a 10,000-deployment manifest (3.5 MB).
 * Returns `undefined` when the text does not parse, so the caller can report positions with its
 * own parser; throws when aliases expand past {@link MAX_EXPANDED_VALUES} (aliases are shared
 * objects here, so the check walks each distinct value once).
 */
export function parseYamlFast(text: string): { readonly value: unknown } | { readonly error: YAMLException } {
  let value: unknown;
  try {
    value = load(text, { schema: MANIFEST_SCHEMA });
  } catch (error) {
    if (error instanceof YAMLException) return { error };
    throw error;
  }
  const sizes = new Map<object, number>();
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    sizes.set(v, 1); // a cycle counts once
    let total = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      total += size(child);
      if (total > MAX_EXPANDED_VALUES) break;
    }
    sizes.set(v, total);
    return total;
  };
  if (size(value) > MAX_EXPANDED_VALUES) {
    return { error: new YAMLException(`aliases expand to more than ${MAX_EXPANDED_VALUES} values (an alias bomb?)`) };
  }
  return { value };
}
