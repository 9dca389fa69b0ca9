import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExports } from '../src/services-env';
import { hashFile, readWarmState, stackUnchanged, stateFor, withApplied, writeWarmState } from '../src/warm-state';

describe('what a kept rehearsal reuses', () => {
  const applied = withApplied(withApplied(stateFor(undefined, '101:5000'), 'blog-data-dev-bootstrap', 'aaa'), 'blog-data-dev-platform', 'bbb');

  it('reuses a stack only when the same emulator holds it and it synthesizes the same', () => {
    expect(stackUnchanged(applied, 'blog-data-dev-platform', 'bbb')).toBe(true);
    expect(stackUnchanged(applied, 'blog-data-dev-platform', 'ccc')).toBe(false);
    // A restarted emulator (new pid or port) holds nothing.
    expect(stackUnchanged(stateFor(applied, '202:5000'), 'blog-data-dev-platform', 'bbb')).toBe(false);
    expect(stateFor(applied, '101:5000')).toBe(applied);
  });

  it('forgets a stack whose apply started and did not finish, and the platform\'s release with it', () => {
    const released = { ...applied, released: 'bbb' };
    const half = withApplied(released, 'blog-data-dev-platform', undefined);
    expect(half.applied).toEqual({ 'blog-data-dev-bootstrap': 'aaa' });
    expect(half.released).toBeUndefined();
    expect(withApplied(released, 'blog-data-dev-bootstrap', undefined).released).toBe('bbb');
  });

  it('reads back what it wrote, and treats a missing or broken file as no state', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warm-'));
    const file = path.join(dir, 'warm.json');
    expect(readWarmState(file)).toBeUndefined();
    writeWarmState(file, applied);
    expect(readWarmState(file)).toEqual(applied);
    fs.writeFileSync(file, '{ not json');
    expect(readWarmState(file)).toBeUndefined();
    expect(hashFile(path.join(dir, 'warm.json'))).toMatch(/^[0-9a-f]{64}$/);
    fs.rmSync(dir, { recursive: true });
  });

  it('reads the services\' `export` lines', () => {
    expect(parseExports('export AWS_ENDPOINT_URL=http://127.0.0.1:5000\nexport TEST_REGISTRY=127.0.0.1:6000\n[test-services] up\nexport Q="quoted value"'))
      .toEqual({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', TEST_REGISTRY: '127.0.0.1:6000', Q: 'quoted value' });
  });
});
