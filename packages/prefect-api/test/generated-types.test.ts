import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PREFECT_OPENAPI_DOCUMENT } from '../src/document';

const run = promisify(execFile);
const PACKAGE_DIR = path.join(__dirname, '..');

/**
 * The generator runs as its own process: openapi-typescript is an ES module that Node loads but
 * jest's module system does not.
 */
async function generateTypes(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/generate-types.ts', ...args], { cwd: PACKAGE_DIR });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** CI's guard that the committed generated types are exactly what the committed document generates. */
describe('generated types', () => {
  it('are what openapi-typescript generates from the committed OpenAPI document', async () => {
    const result = await generateTypes('--check');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('src/generated/prefect-3.8.3.ts is up to date');
  });

  it('fail the check, naming the file and the command that fixes it, when the document changes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prefect-api-doc-'));
    try {
      const doc = JSON.parse(readFileSync(PREFECT_OPENAPI_DOCUMENT, 'utf8'));
      doc.components.schemas.FlowCreate.properties.added_by_test = { type: 'string', title: 'Added By Test' };
      const edited = path.join(dir, 'prefect-edited.json');
      writeFileSync(edited, JSON.stringify(doc));

      const check = await generateTypes('--check', '--document', edited);
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(/^error: src\/generated\/prefect-3\.8\.3\.ts differs from what .*prefect-edited\.json generates \(first at line \d+\): run `pnpm --filter @blog-data\/prefect-api generate:api`/);

      const out = path.join(dir, 'types.ts');
      expect((await generateTypes('--document', edited, '--out', out)).code).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('added_by_test?: string;');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
