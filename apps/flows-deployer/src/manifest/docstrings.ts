/**
 * Docstrings as Prefect 3.8.3 reads them: `inspect.getdoc` (i.e. `inspect.cleandoc`) for the
 * flow's description, and griffe's Google-style parser for per-parameter descriptions
 * (`prefect/utilities/callables/__init__.py` `parameter_docstrings`, lines 392-417: only
 * sections of kind `parameters` — `Args:`, `Arguments:`, `Params:`, `Parameters:` — and the
 * last such section wins).
 */

/** `inspect.cleandoc` (CPython 3.13): expand tabs, strip the common indentation of lines 2+, drop blank edges. */
export function cleandoc(doc: string): string {
  const lines = doc.split('\n').map(expandTabs);
  let margin = Infinity;
  for (const line of lines.slice(1)) {
    const content = line.replace(/^ +/, '').length;
    if (content > 0) margin = Math.min(margin, line.length - content);
  }
  if (lines.length > 0) lines[0] = lines[0].replace(/^ +/, '');
  if (margin < Infinity) for (let i = 1; i < lines.length; i++) lines[i] = lines[i].slice(margin);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  return lines.join('\n');
}

function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

// griffe 2.1.0, packages/griffelib/src/griffe/_internal/docstrings/google.py
const ADMONITION = /^(?<type>[\w][\s\w-]*):(\s+(?<title>[^\s].*))?\s*$/i; // _RE_ADMONITION, line 86
const PARAMETER_SECTIONS = new Set(['args', 'arguments', 'params', 'parameters']); // _section_kind, lines 51-55
const SECTION_KINDS = new Set([
  ...PARAMETER_SECTIONS,
  'keyword args', 'keyword arguments', 'other args', 'other arguments', 'other params', 'other parameters',
  'type args', 'type arguments', 'type params', 'type parameters', 'raises', 'exceptions', 'returns', 'yields',
  'receives', 'examples', 'attributes', 'functions', 'methods', 'classes', 'type aliases', 'modules', 'warns', 'warnings',
]);

const isEmpty = (line: string): boolean => line.trim() === '';

/**
 * Parameter name → description from a (cleaned) Google-style docstring, following griffe's
 * `parse_google` (section detection, lines 955-1031) and `_read_block_items` /
 * `_read_parameters` (lines 92-253): a section title needs a blank line above and an
 * indented line right below; an item continues on lines indented twice as deep, and its
 * description is the text after the first `:` joined with `\n`.
 */
export function googleParameterDescriptions(docstring: string): Map<string, string> {
  const lines = docstring.split('\n');
  let result = new Map<string, string>();
  let inCodeBlock = false;
  for (let offset = 0; offset < lines.length; offset++) {
    const line = lines[offset];
    if (inCodeBlock || line.toLowerCase().replace(/^ +/, '').startsWith('```')) {
      if (line.replace(/^ +/, '').startsWith('```')) inCodeBlock = !inCodeBlock;
      continue;
    }
    const match = ADMONITION.exec(line);
    if (!match) continue;
    const blankAbove = offset === 0 || isEmpty(lines[offset - 1]);
    const hasNext = offset < lines.length - 1;
    const hasNextTwo = offset < lines.length - 2;
    const blankBelow = hasNext && isEmpty(lines[offset + 1]);
    const blankTwoBelow = hasNextTwo && isEmpty(lines[offset + 2]);
    const indentedBelow = hasNext && !blankBelow && lines[offset + 1].startsWith(' ');
    const indentedTwoBelow = hasNextTwo && !blankTwoBelow && lines[offset + 2].startsWith(' ');
    if (!(indentedBelow || indentedTwoBelow)) continue;
    if (!blankAbove || (indentedTwoBelow && blankBelow)) continue;
    const kind = match.groups!.type.toLowerCase();
    if (PARAMETER_SECTIONS.has(kind)) {
      const { items, end } = readBlockItems(lines, offset + 1);
      result = new Map();
      for (const item of items) {
        const colon = item[0].indexOf(':');
        if (colon === -1) continue;
        const nameWithType = item[0].slice(0, colon);
        const description = [item[0].slice(colon + 1).replace(/^\s+/, ''), ...item.slice(1)].join('\n').replace(/\n+$/, '');
        const name = nameWithType.includes('(') && nameWithType.endsWith(')') ? nameWithType.slice(0, nameWithType.indexOf('(')).trim() : nameWithType;
        result.set(name, description);
      }
      offset = end;
    } else {
      // Other sections and admonitions consume their indented block.
      offset = SECTION_KINDS.has(kind) ? readBlockItems(lines, offset + 1).end : readBlock(lines, offset + 1);
    }
  }
  return result;
}

/** `_read_block_items`: items start at the first line's indentation, continue at twice that. */
function readBlockItems(lines: readonly string[], start: number): { items: string[][]; end: number } {
  let offset = start;
  if (offset >= lines.length) return { items: [], end: offset };
  while (offset < lines.length && isEmpty(lines[offset])) offset++;
  if (offset >= lines.length) return { items: [], end: offset - 1 };
  const indent = lines[offset].length - lines[offset].replace(/^\s+/, '').length;
  if (indent === 0) return { items: [], end: offset - 1 };
  const items: string[][] = [];
  let current = [lines[offset].slice(indent)];
  offset++;
  for (; offset < lines.length; offset++) {
    const line = lines[offset];
    if (isEmpty(line)) {
      current.push('');
    } else if (line.startsWith(' '.repeat(indent * 2))) {
      current.push(line.slice(indent * 2)); // continuation
    } else if (line.startsWith(' '.repeat(indent + 1))) {
      current.push(line.replace(/^\s+/, '')); // "confusing indentation": still a continuation
    } else if (line.startsWith(' '.repeat(indent))) {
      items.push(current); // a new item
      current = [line.slice(indent)];
    } else {
      break; // end of the section
    }
  }
  items.push(current);
  return { items, end: offset - 1 };
}

/** `_read_block`: an admonition's body, lines at its indentation or blank. */
function readBlock(lines: readonly string[], start: number): number {
  let offset = start;
  if (offset >= lines.length) return offset - 1;
  while (offset < lines.length && isEmpty(lines[offset])) offset++;
  if (offset >= lines.length) return start - 1;
  const indent = lines[offset].length - lines[offset].replace(/^\s+/, '').length;
  if (indent === 0) return start - 1;
  offset++;
  while (offset < lines.length && (lines[offset].startsWith(' '.repeat(indent)) || isEmpty(lines[offset]))) offset++;
  return offset - 1;
}
