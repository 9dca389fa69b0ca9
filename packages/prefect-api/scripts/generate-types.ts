/**
 * Regenerates `src/generated/` from the committed OpenAPI document with openapi-typescript, or
 * with `--check` fails when the committed types differ from what the document generates.
 *
 *   pnpm --filter @blog-data/prefect-api generate:api            # rewrite the types
 *   pnpm --filter @blog-data/prefect-api generate:api -- --check # exit 1 when they are stale
 *
 * To move to a new Prefect version: add openapi/prefect-<version>.json (the server's
 * `/openapi.json`), set PREFECT_API_CONTRACT_VERSION in src/document.ts, run this, fix what no
 * longer compiles, then run the tests of prefect-api, flows-deployer and ops.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { PREFECT_API_CONTRACT_VERSION, PREFECT_OPENAPI_DOCUMENT } from '../src/document';

const PACKAGE_DIR = path.join(__dirname, '..');

/** The generated types of the contract version, committed so that building needs no generator. */
export const GENERATED_TYPES_FILE = path.join(PACKAGE_DIR, 'src', 'generated', `prefect-${PREFECT_API_CONTRACT_VERSION}.ts`);

/** The command that rewrites the generated types, for messages. */
export const REGENERATE_COMMAND = 'pnpm --filter @blog-data/prefect-api generate:api';

/** The full text of the generated types module for an OpenAPI document. */
export async function renderGeneratedTypes(documentFile: string = PREFECT_OPENAPI_DOCUMENT): Promise<string> {
  const document = JSON.parse(readFileSync(documentFile, 'utf8')) as Parameters<typeof openapiTS>[0];
  // defaultNonNullable false: a field with a server default is optional in request bodies
  // (otherwise every create body would have to spell out paused, schedules, tags ...).
  const ast = await openapiTS(document, { defaultNonNullable: false });
  const source = path.relative(PACKAGE_DIR, documentFile).split(path.sep).join('/');
  return [
    '/* eslint-disable */',
    `// Generated from ${source} by scripts/generate-types.ts (openapi-typescript). Do not edit: run \`${REGENERATE_COMMAND}\`.`,
    COMMENT_HEADER + astToString(ast),
  ].join('\n');
}

/** `--check` compares instead of writing; `--document` and `--out` exist for the test of the check itself. */
async function main(args: readonly string[]): Promise<number> {
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : args[i + 1];
  };
  const documentFile = path.resolve(option('--document') ?? PREFECT_OPENAPI_DOCUMENT);
  const outFile = path.resolve(option('--out') ?? GENERATED_TYPES_FILE);
  const generated = await renderGeneratedTypes(documentFile);
  const relative = path.relative(PACKAGE_DIR, outFile);
  if (args.includes('--check')) {
    const committed = readFileSync(outFile, 'utf8');
    if (committed === generated) {
      process.stdout.write(`${relative} is up to date\n`);
      return 0;
    }
    const line = committed.split('\n').findIndex((l, i) => l !== generated.split('\n')[i]) + 1;
    process.stderr.write(
      `error: ${relative} differs from what ${path.relative(PACKAGE_DIR, documentFile)} generates (first at line ${line}): run \`${REGENERATE_COMMAND}\` and commit the result\n`,
    );
    return 1;
  }
  writeFileSync(outFile, generated);
  process.stdout.write(`wrote ${relative}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
