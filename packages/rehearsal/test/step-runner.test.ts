import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../src/cli';
import { runSteps, Step } from '../src/step-runner';

/** A stream that keeps what is written (not a TTY: one line per step, nothing redrawn). */
function buffer(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

const node = process.execPath;
const say = (script: string) => [node, '-e', script];

describe('the step runner', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steps-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const steps: Step[] = [
    {
      title: 'first',
      log: 'first.log',
      run: async (c) => {
        await c.mustRun(say('console.log("lots of output"); console.error("warning: the image repository x does not match infra\'s ECR URL y")'));
        c.detail('done well');
      },
    },
    { title: 'second', log: 'second.log', run: async (c) => void (await c.mustRun(say('console.log("last words"); process.exit(3)'))) },
    { title: 'never', log: 'never.log', run: async () => undefined },
    { title: 'tear down', log: 'teardown.log', always: true, run: async (c) => c.detail('stopped') },
  ];

  it('prints one line per step, keeps command output in the logs, stops at a failure but tears down', async () => {
    const out = buffer();
    const reports = await runSteps(steps, { out, cwd: dir, logDir: path.join(dir, 'logs'), env: () => process.env, verbose: false });
    expect(reports.map((r) => [r.title, r.status])).toEqual([['first', 'ok'], ['second', 'failed'], ['tear down', 'ok']]);
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(/^✓ 1\/4 first +\d+s {2}done well$/);
    expect(lines[1]).toMatch(/expected warning \(the rehearsal pushes to a local registry/);
    expect(lines[2]).toMatch(/^✗ 2\/4 second .* exited 3$/);
    expect(lines).toContain('        | last words');
    expect(lines).toContain('        full log: logs/second.log');
    expect(lines.some((l) => l.includes('never'))).toBe(false);
    expect(lines[lines.length - 2]).toMatch(/^✓ 4\/4 tear down +\d+s {2}stopped$/);
    expect(out.text()).not.toContain('lots of output');
    expect(fs.readFileSync(path.join(dir, 'logs/first.log'), 'utf8')).toContain('lots of output');
    expect(fs.readFileSync(path.join(dir, 'logs/second.log'), 'utf8')).toMatch(/last words[\s\S]*rehearsal: .* exited 3/);
  });

  it('streams every command\'s output with --verbose', async () => {
    const out = buffer();
    await runSteps(steps.slice(0, 1), { out, cwd: dir, logDir: path.join(dir, 'logs'), env: () => process.env, verbose: true });
    expect(out.text()).toContain('lots of output');
    expect(out.text()).toMatch(/▶ 1\/1 first/);
  });

  it('redraws a live line on a terminal and leaves only the final line', async () => {
    const out = buffer(true);
    await runSteps([{ title: 'count', log: 'count.log', run: async (c) => void (await c.mustRun(say('console.log("a");console.log("b")'), { onLine: (l) => c.activity(`saw ${l}`) })) }],
      { out, cwd: dir, logDir: path.join(dir, 'logs'), env: () => process.env, verbose: false });
    expect(out.text()).toContain('\r\u001b[K▶ 1/1 count');
    expect(out.text()).toContain('saw b');
    expect(out.text().split('\n').filter(Boolean).pop()).toMatch(/✓ 1\/1 count/);
  });

  it('fails a step whose command cannot start, naming it', async () => {
    const out = buffer();
    const [report] = await runSteps([{ title: 'missing', log: 'missing.log', run: async (c) => void (await c.mustRun(['no-such-command-here'])) }],
      { out, cwd: dir, logDir: path.join(dir, 'logs'), env: () => process.env, verbose: false });
    expect(report.status).toBe('failed');
    expect(out.text()).toContain('no-such-command-here could not start');
  });
});

describe('the rehearsal\'s command line', () => {
  it('takes --keep, --down and --verbose, and refuses anything else with the usage', () => {
    expect(parseArgs(['--keep', '--verbose'])).toEqual({ keep: true, down: false, verbose: true, help: false });
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast\nusage: scripts\/rehearse.sh/);
    expect(() => parseArgs(['--keep', '--down'])).toThrow(/contradict/);
  });
});
