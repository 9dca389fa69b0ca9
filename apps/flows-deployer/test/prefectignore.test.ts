import { compileIgnoreRules, isIgnored } from '../src/prefectignore';

/**
 * Cases from pathspec 1.0.4's own suite for `GitIgnoreSpec` (`tests/test_05_gitignore.py`),
 * the matcher Prefect 3.8.3's `filter_files` uses for `.prefectignore`: same patterns, same
 * files, same expected ignored set (several of them confirmed against git by pathspec's authors).
 */
const PATHSPEC_CASES: Array<[string, string[], string[], string[]]> = [
  // [test name, patterns, ignored, kept]
  ['test_02_dir_exclusions', ['*.txt', '!test1/'], ['test1/a.txt', 'test1/c/c.txt', 'test2/a.txt', 'test2/c/c.txt'], ['test1/b.bin', 'test2/b.bin']],
  ['test_02_file_exclusions', ['*.txt', '!b.txt'], ['X/a.txt', 'X/Z/c.txt', 'Y/a.txt', 'Y/Z/c.txt'], ['X/b.txt', 'Y/b.txt']],
  [
    'test_02_issue_41_a',
    ['*.yaml', '!*.yaml/'],
    ['dir.yaml/file.yaml', 'dir/file.yaml', 'file.yaml'],
    ['dir.yaml/file.sql', 'dir.yaml/index.txt', 'dir/file.sql', 'dir/index.txt'],
  ],
  ['test_03_subdir', ['dirG/'], ['dirG/dirH/fileI', 'dirG/dirH/fileJ', 'dirG/fileO'], ['fileA', 'fileB', 'dirD/fileE', 'dirD/fileF']],
  ['test_04_issue_62', ['*', '!product_dir/'], ['anydir/file.txt', 'product_dir/file.txt'], []],
  ['test_05_issue_39', ['*.log', '!important/*.log', 'trace.*'], ['a.log', 'trace.c'], ['b.txt', 'important/d.log', 'important/e.txt']],
  ['test_06_issue_64', ['**'], ['x', 'y.py', 'A/x', 'A/y.py', 'A/B/x', 'A/B/y.py', 'A/B/C/x', 'A/B/C/y.py'], []],
  [
    'test_07_issue_74',
    ['*', '!*/', '!*.txt', '/test1/**'],
    ['test1/a.txt', 'test1/b.bin', 'test1/c/c.txt', 'test2/b.bin'],
    ['test2/a.txt', 'test2/c/c.txt'],
  ],
];

describe('.prefectignore matching (pathspec GitIgnoreSpec semantics)', () => {
  it.each(PATHSPEC_CASES)('%s', (_name, patterns, ignored, kept) => {
    const rules = compileIgnoreRules(patterns);
    expect(ignored.filter((f) => !isIgnored(rules, f))).toEqual([]);
    expect(kept.filter((f) => isIgnored(rules, f))).toEqual([]);
  });

  it('treats comments, blanks and a lone slash as no-ops and anchors patterns with a slash', () => {
    const rules = compileIgnoreRules(['# data/', '', '/', 'build/out', '\\#literal']);
    expect(rules.map((r) => r.pattern)).toEqual(['build/out', '\\#literal']);
    expect(isIgnored(rules, 'build/out/x.py')).toBe(true);
    expect(isIgnored(rules, 'src/build/out/x.py')).toBe(false); // a pattern with a slash is relative to the root
    expect(isIgnored(rules, 'data/x')).toBe(false);
    expect(isIgnored(rules, 'a/#literal')).toBe(true);
  });

  it('supports ?, [...] classes with ! negation and ** in the middle', () => {
    const rules = compileIgnoreRules(['file?.txt', 'v[0-9].py', 'n[!a-c].md', 'docs/**/draft.md']);
    expect(['file1.txt', 'x/v3.py', 'nd.md', 'docs/draft.md', 'docs/a/b/draft.md'].every((f) => isIgnored(rules, f))).toBe(true);
    expect(['file12.txt', 'va.py', 'nb.md', 'other/docs/draft.md'].some((f) => isIgnored(rules, f))).toBe(false);
  });

  it('rejects a pattern ending in a lone escape, as pathspec does', () => {
    expect(() => compileIgnoreRules(['oops\\'])).toThrow(/ends with an escape character/);
  });
});
