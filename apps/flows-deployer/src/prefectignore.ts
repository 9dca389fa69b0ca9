/**
 * `.prefectignore` matching exactly as Prefect 3.8.3 applies it when pushing code to S3
 * (`prefect_aws/deployments/steps.py` `push_to_s3`, lines 83-102: each line `.strip()`ed,
 * `prefect.utilities.filesystem.filter_files` (`utilities/filesystem/__init__.py` lines 37-69)
 * with `pathspec.GitIgnoreSpec`, and a file is uploaded when its relative path is not matched).
 *
 * Pattern → regular expression and the match priority follow pathspec 1.0.4 (the version
 * Prefect 3.8.3 locks): `patterns/gitignore/spec.py` (`GitIgnoreSpecPattern.pattern_to_regex`,
 * `__normalize_segments`, `__translate_segments`), `patterns/gitignore/base.py`
 * (`_translate_segment_glob`) and `_backends/simple/gitignore.py` (`SimpleGiBackend.match_file`:
 * patterns checked last to first, a file-level match beats a directory-level one — which is how
 * `dir/` followed by `!dir/keep.txt` keeps `keep.txt`, as Git does).
 */

/** One compiled pattern. */
export interface IgnoreRule {
  readonly pattern: string;
  readonly regex: RegExp;
  /** True: a match ignores the path; false: a `!` pattern that re-includes it. */
  readonly ignore: boolean;
}

const DIR_MARK = '(?<ps_d>/)';
const DIR_MARK_OPT = `(?:${DIR_MARK}|$)`;

/** Compiles gitignore lines; comments, blanks and no-op patterns are dropped. Throws on an invalid pattern. */
export function compileIgnoreRules(lines: readonly string[]): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const line of lines) {
    const compiled = patternToRegex(line);
    if (compiled) rules.push({ pattern: line, regex: new RegExp(compiled.regex), ignore: compiled.ignore });
  }
  return rules;
}

/** Whether `relPath` (POSIX, relative to the root) is ignored by the rules. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string): boolean {
  let result: boolean | undefined;
  let priority = 0;
  for (let i = rules.length - 1; i >= 0; i--) {
    const match = rules[i].regex.exec(relPath);
    if (!match) continue;
    const p = match.groups?.ps_d ? 1 : 2;
    if (p > priority) {
      result = rules[i].ignore;
      priority = p;
    }
    if (p === 2) break;
  }
  return result === true;
}

function patternToRegex(raw: string): { regex: string; ignore: boolean } | undefined {
  let pattern = raw.endsWith('\\ ') ? raw : raw.replace(/\s+$/, '');
  if (pattern === '' || pattern.startsWith('#') || pattern === '/') return undefined;
  let ignore = true;
  if (pattern.startsWith('!')) {
    ignore = false;
    pattern = pattern.slice(1);
  }
  const segments = pattern.split('/');
  const isDirPattern = segments[segments.length - 1] === '';
  if (segments[0] === '') {
    segments.shift(); // a leading slash anchors to the root
  } else if (segments.length === 1 || (segments.length === 2 && segments[1] === '')) {
    if (segments[0] !== '**') segments.unshift('**');
  }
  if (segments.length === 0) throw new Error(`invalid pattern ${JSON.stringify(raw)}`);
  if (segments[segments.length - 1] === '') segments[segments.length - 1] = '**';
  for (let i = segments.length - 1; i > 0; i--) if (segments[i - 1] === '**' && segments[i] === '**') segments.splice(i, 1);
  const n = segments.length;
  if (n === 1 && segments[0] === '**') return { regex: isDirPattern ? DIR_MARK : '.', ignore };
  if (n === 2 && segments[0] === '**' && segments[1] === '*') return { regex: '.', ignore };
  if (n === 3 && segments[0] === '**' && segments[1] === '*' && segments[2] === '**') return { regex: isDirPattern ? DIR_MARK : '/', ignore };
  let regex = '';
  let needSlash = false;
  segments.forEach((seg, i) => {
    const last = i === n - 1;
    if (seg === '**') {
      if (i === 0) {
        regex += '^(?:.+/)?'; // any leading folders
      } else if (!last) {
        regex += '(?:/.+)?'; // zero or more inner folders
        needSlash = true;
      } else {
        regex += isDirPattern ? DIR_MARK : '/'; // everything below
      }
      return;
    }
    if (i === 0) regex += '^';
    if (needSlash) regex += '/';
    regex += seg === '*' ? '[^/]+' : translateGlob(seg, raw);
    if (last) regex += DIR_MARK_OPT;
    needSlash = true;
  });
  return { regex, ignore };
}

/** `_translate_segment_glob`: `*`, `?`, `[...]` (with `!`/`^` negation) and `\` escapes. */
function translateGlob(glob: string, raw: string): string {
  let regex = '';
  let escape = false;
  for (let i = 0; i < glob.length; ) {
    const ch = glob[i++];
    if (escape) {
      escape = false;
      regex += escapeRegex(ch);
    } else if (ch === '\\') {
      escape = true;
    } else if (ch === '*') {
      regex += '[^/]*';
    } else if (ch === '?') {
      regex += '[^/]';
    } else if (ch === '[') {
      let j = i;
      if (j < glob.length && (glob[j] === '!' || glob[j] === '^')) j++;
      if (j < glob.length && glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j < glob.length) {
        j++;
        let expr = '[';
        if (glob[i] === '!' || glob[i] === '^') {
          expr += '^';
          i++;
        }
        expr += glob.slice(i, j).replace(/\\/g, '\\\\');
        regex += expr;
        i = j;
      } else {
        regex += '\\[';
      }
    } else {
      regex += escapeRegex(ch);
    }
  }
  if (escape) throw new Error(`invalid pattern ${JSON.stringify(raw)}: it ends with an escape character`);
  return regex;
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
