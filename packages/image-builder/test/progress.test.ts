import { Writable } from 'node:stream';
import { terminalReporter, renderLayers } from '../src/progress';
import { PushMonitor } from '../src/push';

class Screen extends Writable {
  text = '';
  constructor(readonly isTTY: boolean, readonly columns = 120) {
    super();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

function pushing(): PushMonitor {
  const monitor = new PushMonitor();
  monitor.accept({ status: 'Pushed', id: 'aaaaaaaaaaaa' });
  monitor.accept({ status: 'Layer already exists', id: 'bbbbbbbbbbbb' });
  monitor.accept({ status: 'Pushing', id: 'cccccccccccc', progressDetail: { current: 5e6, total: 2e7 } });
  return monitor;
}

describe('terminal progress', () => {
  it('summarises per-layer push progress', () => {
    expect(renderLayers(pushing())).toBe('2/3 layers done · 5.0/20.0 MB · cccccccc 25%');
  });

  it('shows phases, Dockerfile steps and a live push line on a terminal', () => {
    const screen = new Screen(true);
    const reporter = terminalReporter({ out: screen, env: { NO_COLOR: '1' } });
    reporter.phase(4, 6, 'build linux/amd64');
    reporter.buildEvent({ stream: 'Step 2/5 : RUN make' }, { step: { index: 2, total: 5, instruction: 'RUN make' }, tail: [] });
    reporter.pushEvent('src-1', pushing());
    reporter.endLine();
    expect(screen.text).toContain('[4/6] build linux/amd64\n');
    expect(screen.text).toContain('      Step 2/5 : RUN make\n');
    expect(screen.text).toContain('\r\x1b[2K      src-1: 2/3 layers done');
  });

  it('keeps CI logs to phases and notes: no steps, no live lines, no escape codes', () => {
    const screen = new Screen(false);
    const reporter = terminalReporter({ out: screen, env: { NO_COLOR: '1' } });
    reporter.phase(1, 6, 'read build context');
    reporter.buildEvent({ stream: 'Step 2/5 : RUN make' }, { step: { index: 2, total: 5, instruction: 'RUN make' }, tail: [] });
    reporter.pushEvent('src-1', pushing());
    reporter.note('no-op');
    expect(screen.text).toBe('[1/6] read build context\n      no-op\n');
  });

  it('prints the whole build output with --verbose', () => {
    const screen = new Screen(false);
    terminalReporter({ out: screen, env: { NO_COLOR: '1' }, verbose: true }).buildEvent({ stream: 'compiling\nlinking\n' }, { tail: [] });
    expect(screen.text).toBe('      | compiling\n      | linking\n');
  });
});
