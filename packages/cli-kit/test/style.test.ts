import { colorEnabled, messageOf, UserError, paletteFor, progressReporter, redactJson, redactSecrets, renderTable, stripAnsi } from '../src';
import { Capture } from './support';

describe('colour', () => {
  const tty = new Capture(true);
  const pipe = new Capture(false);
  it.each<[string, boolean, NodeJS.ProcessEnv, boolean | undefined, boolean]>([
    ['a TTY', true, {}, false, true],
    ['a pipe', false, {}, false, false],
    ['NO_COLOR on a TTY', true, { NO_COLOR: '1' }, false, false],
    ['--json on a TTY', true, {}, true, false],
    ['TERM=dumb', true, { TERM: 'dumb' }, false, false],
    ['FORCE_COLOR on a pipe', false, { FORCE_COLOR: '1' }, false, true],
    ['NO_COLOR beats FORCE_COLOR', false, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false],
  ])('%s', (_name, isTty, env, json, expected) => {
    expect(colorEnabled({ stream: isTty ? tty : pipe, env, json })).toBe(expected);
    expect(paletteFor({ stream: isTty ? tty : pipe, env, json }).red('x') !== 'x').toBe(expected);
  });
});

describe('renderTable', () => {
  it('aligns columns measured without colour, numbers to the right', () => {
    const lines = renderTable(
      [{ header: 'name' }, { header: 'usd', align: 'right' }, { header: 'note' }],
      [['\u001b[31mnat\u001b[39m', '32.85', 'one per VPC'], ['alb', '16.43', '']],
    );
    expect(lines.map(stripAnsi)).toEqual(['name    usd  note', 'nat   32.85  one per VPC', 'alb   16.43']);
  });
});

describe('progressReporter', () => {
  it('is silent with --json and off a TTY', () => {
    const out = new Capture(false);
    progressReporter({ stream: out, env: {} }).phase(1, 2, 'build');
    const tty = new Capture(true);
    progressReporter({ stream: tty, env: {}, json: true }).note('x');
    expect(out.text + tty.text).toBe('');
  });

  it('writes phases and notes on a TTY and redraws one live line', () => {
    const tty = new Capture(true);
    const p = progressReporter({ stream: tty, env: { NO_COLOR: '1' } });
    p.phase(1, 2, 'build');
    p.live('50%');
    p.live('100%');
    p.note('done');
    expect(tty.text).toBe('[1/2] build\n\r\u001b[2K50%\r\u001b[2K100%\n      done\n');
  });

  it('writes phases and notes to a pipe when asked, never the live line', () => {
    const out = new Capture(false);
    const p = progressReporter({ stream: out, env: {}, whenNotTty: true });
    p.phase(1, 1, 'apply');
    p.live('x');
    expect(out.text).toBe('[1/1] apply\n');
  });
});

describe('redaction', () => {
  it.each([
    ['https://user:pass@prefect.example.com/api', 'https://***@prefect.example.com/api'],
    ['PREFECT_API_URL=http://u:p%40ss@10.0.0.1:4200/api failed', 'PREFECT_API_URL=http://***@10.0.0.1:4200/api failed'],
    ['token@example.com and https://example.com/a@b', 'token@example.com and https://example.com/a@b'],
    ['s3://key:secret@bucket/x', 's3://***@bucket/x'],
  ])('%s', (input, output) => {
    expect(redactSecrets(input)).toBe(output);
  });

  it('redacts every string of a JSON document', () => {
    expect(redactJson({ apiUrl: 'https://a:b@h/api', list: ['http://x:y@h'], n: 1, nil: null })).toEqual({
      apiUrl: 'https://***@h/api',
      list: ['http://***@h'],
      n: 1,
      nil: null,
    });
  });
});

describe('messageOf', () => {
  it('names the error class when it says something, and the cause code', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(messageOf(err)).toBe('fetch failed (ECONNREFUSED)');
    expect(messageOf(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))).toBe('AccessDeniedException: denied');
    expect(messageOf('plain')).toBe('plain');
  });

  it('leaves a UserError subclass (PrefectApiError, ConfigError…) as its sentence, without its class name', () => {
    class PackageError extends UserError {
      constructor() {
        super('cannot reach the server', 'GET http://h/api/health', 'check the URL');
        this.name = 'PackageError';
      }
    }
    expect(messageOf(new PackageError())).toBe('cannot reach the server (GET http://h/api/health): check the URL');
  });
});
