import { formatDuration } from '../src/duration';
import { findWarnings, formatEnding, formatStepLine, formatStepNotes, StepReport } from '../src/report';

const step = (over: Partial<StepReport>): StepReport => ({ title: 'apply dev platform stack (emulator)', status: 'ok', milliseconds: 74_400, warnings: [], ...over });

describe('the rehearsal report', () => {
  it('gives each step one line: mark, number, title, time, result', () => {
    expect(formatStepLine(7, 11, step({ detail: 'platform: 142/142 created' })))
      .toBe('✓  7/11 apply dev platform stack (emulator)          1m 14s  platform: 142/142 created');
    expect(formatStepLine(6, 11, step({ title: 'build, push and verify the image', status: 'skipped', milliseconds: 200, detail: 'no Docker engine here' })))
      .toMatch(/^- {2}6\/11 build, push and verify the image +0s {2}no Docker engine here$/);
    expect(formatStepLine(5, 11, step({ status: 'reused', milliseconds: 4_000 }))).toMatch(/^= /);
  });

  it('marks the warnings it expects, with why, and shows the others plainly', () => {
    const warnings = findWarnings([
      'warning: the image repository 127.0.0.1:5000/blog-data does not match infra\'s ECR URL 123456789012.dkr.ecr.eu-west-2.amazonaws.com/blog-data',
      '\u001b[33mwarning:\u001b[39m something nobody expected',
      'warning: something nobody expected',
      'an ordinary line that mentions a warning in passing',
    ]);
    expect(warnings).toEqual([
      { text: expect.stringContaining('does not match infra\'s ECR URL'), expected: 'the rehearsal pushes to a local registry, not to the emulator\'s ECR' },
      { text: 'warning: something nobody expected' },
    ]);
    expect(formatStepNotes(step({ warnings }))).toEqual([
      expect.stringMatching(/^ {8}expected warning \(the rehearsal pushes to a local registry, not to the emulator's ECR\): warning: the image repository/),
      '        warning: something nobody expected',
    ]);
  });

  it('shows the end of a failed step\'s log and where the whole log is', () => {
    const failed = step({ status: 'failed', detail: 'node packages/infra/bin/platform-infra.js apply … exited 1', tail: ['Error: creating ECS Service', 'exit 1'], log: '.rehearsal/logs/infra-platform.log' });
    expect(formatStepLine(7, 11, failed)).toMatch(/^✗ /);
    expect(formatStepNotes(failed)).toEqual(['        | Error: creating ECS Service', '        | exit 1', '        full log: .rehearsal/logs/infra-platform.log']);
  });

  it('ends with the outputs, every log path, the total, and the verdict as the very last line', () => {
    const steps = [step({ log: '.rehearsal/logs/infra-platform.log' }), step({ title: 'tear down', milliseconds: 91_000, log: '.rehearsal/logs/teardown.log' })];
    expect(formatEnding({ steps, outputs: [['prefect_url', 'http://x'], ['image digest', 'sha256:ab']], totalMilliseconds: 301_000 })).toEqual([
      'outputs:',
      '  prefect_url   http://x',
      '  image digest  sha256:ab',
      'logs:',
      '  .rehearsal/logs/infra-platform.log',
      '  .rehearsal/logs/teardown.log',
      'total 5m 01s',
      'rehearsal: ok',
    ]);
    const ending = formatEnding({ steps: [...steps, step({ status: 'failed' })], outputs: [], totalMilliseconds: 1_000 });
    expect(ending[ending.length - 1]).toBe('rehearsal: failed');
  });

  it('writes durations as seconds, then minutes and seconds', () => {
    expect([formatDuration(400), formatDuration(59_400), formatDuration(61_000), formatDuration(3_600_000)]).toEqual(['0s', '59s', '1m 01s', '60m 00s']);
  });
});
