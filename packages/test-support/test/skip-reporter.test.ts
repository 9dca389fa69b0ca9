import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import SkipReasonReporter, { formatSkipSummary, noteSkip, readSkipNotes, SKIP_LOG_VARIABLE } from '../src/skip-reporter';

describe('skip reasons in the test summary', () => {
  const saved = process.env[SKIP_LOG_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[SKIP_LOG_VARIABLE];
    else process.env[SKIP_LOG_VARIABLE] = saved;
  });

  it('lists each test file once per reason, after the run', () => {
    const reporter = new SkipReasonReporter({ rootDir: '/repo/packages/infra' });
    const file = process.env[SKIP_LOG_VARIABLE] as string;
    expect(file).toMatch(/skips\.jsonl$/);
    // What two workers would write: the same reason twice for one file, one for another.
    noteSkip('missing AWS_ENDPOINT_URL: run `eval "$(scripts/test-services.sh env)"` (moto)');
    noteSkip('missing AWS_ENDPOINT_URL: run `eval "$(scripts/test-services.sh env)"` (moto)');
    fs.appendFileSync(file, `${JSON.stringify({ testPath: '/repo/packages/infra/test/a.test.ts', reason: 'install terraform' })}\nnot a note\n`);
    const written: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    reporter.onRunComplete();
    write.mockRestore();
    const text = written.join('');
    expect(text).toContain('Skipped integration tests (they fail instead under CI=true):');
    expect(text).toContain('  test/a.test.ts: install terraform');
    expect(text.match(/missing AWS_ENDPOINT_URL/g)).toHaveLength(1);
    expect(text).toContain(path.basename(__filename));
    expect(fs.existsSync(file)).toBe(false);
  });

  it('prints nothing when nothing was skipped, and falls back to a console warning without the reporter', () => {
    expect(formatSkipSummary([], '/')).toEqual([]);
    expect(readSkipNotes(path.join(os.tmpdir(), 'no-such-skips.jsonl'))).toEqual([]);
    delete process.env[SKIP_LOG_VARIABLE];
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    noteSkip('missing X: start it');
    expect(warn).toHaveBeenCalledWith('skipping: missing X: start it');
    warn.mockRestore();
  });
});
