import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');

/**
 * A PATH holding only what is linked into it: the machine's terraform and moto are hidden, as on a
 * fresh machine. `fakes` are small shell scripts standing in for a tool (e.g. a python3 without moto).
 */
function pathWith(tools: readonly string[], fakes: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prereq-path-'));
  for (const tool of tools) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(dir, tool));
  }
  for (const [name, body] of Object.entries(fakes)) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

function run(script: string, pathDir: string) {
  return spawnSync(path.join(pathDir, 'bash'), [script], { cwd: REPO, encoding: 'utf8', env: { HOME: os.tmpdir(), PATH: pathDir }, timeout: 60_000 });
}

const BASICS = ['bash', 'node', 'dirname', 'cut', 'sed'];

describe('prerequisites the rehearsal cannot install', () => {
  it('stops at once without terraform and moto, with the install commands for Debian/Ubuntu and macOS', () => {
    const bin = pathWith(BASICS);
    const result = run('scripts/prerequisites.sh', bin);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: terraform (>= 1.10) is not installed');
    expect(result.stderr).toContain('sudo apt-get install -y terraform');
    expect(result.stderr).toContain('brew tap hashicorp/tap && brew install hashicorp/tap/terraform');
    expect(result.stderr).toMatch(/error: Python moto 5\.2\.1 \(for python3, also missing\) is not installed/);
    expect(result.stderr).toContain("pip install 'moto[server]==5.2.1'");
    expect(result.stderr).not.toContain('Node.js');
  });

  it('names only moto when terraform is there but python3 cannot import it', () => {
    const bin = pathWith(BASICS, { terraform: 'exit 0', python3: 'exit 1' });
    const result = run('scripts/prerequisites.sh', bin);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain('terraform');
    expect(result.stderr).toMatch(/Python moto 5\.2\.1 \(for .*python3\)/);
  });

  it('passes when everything is there', () => {
    const bin = pathWith(BASICS, { terraform: 'exit 0', python3: 'exit 0' });
    expect(run('scripts/prerequisites.sh', bin)).toMatchObject({ status: 0, stderr: '' });
  });

  it('is the first thing README command 1 does: nothing is installed or started before it stops', () => {
    const bin = pathWith([...BASICS, 'mkdir', 'date', 'tee', 'tail', 'find', 'head', 'pnpm']);
    const started = Date.now();
    const result = run('scripts/rehearse.sh', bin);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('brew install hashicorp/tap/terraform');
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('[bootstrap]');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
