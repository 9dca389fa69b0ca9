/**
 * Bundles the compiled CLI (lib/cli.js) for start-up speed; the compile task runs it.
 *
 * - `lib/cli.bundle.js`: the CLI and everything a build needs before it starts. Node resolving and
 *   reading ~300 small module files cost every publish tens of ms, part of it before the build request.
 * - `lib/config.bundle.js`: @blog-data/config with zod (~0.4 MB), loaded when config is first read:
 *   while the engine builds, or for a no-op. Compiling it with the rest delayed every build request ~20 ms.
 * - `lib/cli-kit.bundle.js` and `lib/commander.bundle.js`: what both use. One copy each, so that their
 *   classes are the same objects everywhere: a UserError from config, or the CommanderError that ends
 *   `--help`, is known as one by the CLI's error handling (test/bin.test.ts).
 *
 * The AWS SDK stays outside and loads lazily (each of its packages ships as one file: bundling it
 * measured no gain). zod's translations of its messages are left out (see {@link englishOnlyZod}).
 * Comments and blanks are dropped and the files kept ASCII; identifiers stay, for stacks.
 */
import * as path from 'node:path';
import { build, BuildOptions, Plugin } from 'esbuild';

const LIB = path.join(__dirname, '..', 'lib');

/** Packages bundled on their own, and the file the other bundles require them from. */
const OWN_BUNDLES: Readonly<Record<string, string>> = {
  '@blog-data/config': './config.bundle.js',
  '@blog-data/cli-kit': './cli-kit.bundle.js',
  'commander': './commander.bundle.js',
};

/** Exactly the package names of {@link OWN_BUNDLES}, as esbuild's resolve filter. */
const OWN_BUNDLE_NAMES = new RegExp(`^(${Object.keys(OWN_BUNDLES).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);

/** Leaves the packages of {@link OWN_BUNDLES} (other than `self`) to be required from their own bundle. */
function requireFromOwnBundle(self?: string): Plugin {
  return {
    name: 'own-bundles',
    setup(plugin) {
      plugin.onResolve({ filter: OWN_BUNDLE_NAMES }, (args) =>
        args.path === self ? undefined : { path: OWN_BUNDLES[args.path], external: true });
    },
  };
}

/**
 * zod's `locales` namespace (its messages in ~60 languages) holds only `en` in the bundles. zod
 * loads every translation with itself: half of config's bundle and ~25 ms of CPU, taken from the
 * engine's build. Config's messages are English (zod sets `en` itself, from `locales/en`).
 */
function englishOnlyZod(): Plugin {
  return {
    name: 'english-only-zod',
    setup(plugin) {
      plugin.onResolve({ filter: /^\.\.\/locales\/index\.cjs$/ }, (args) =>
        /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.cjs'), namespace: 'zod-english' } : undefined);
      plugin.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) =>
        ({ contents: `exports.en = require(${JSON.stringify(args.path)}).default;`, loader: 'js', resolveDir: path.dirname(args.path) }));
    },
  };
}

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  sourcemap: 'linked',
  logLevel: 'warning',
};

Promise.all([
  build({ ...COMMON, entryPoints: [path.join(LIB, 'cli.js')], outfile: path.join(LIB, 'cli.bundle.js'), plugins: [requireFromOwnBundle(), englishOnlyZod()] }),
  ...Object.entries(OWN_BUNDLES).map(([pkg, file]) => build({
    ...COMMON, entryPoints: [require.resolve(pkg)], outfile: path.join(LIB, file), plugins: [requireFromOwnBundle(pkg), englishOnlyZod()],
  })),
]).catch((err: unknown) => {
  process.stderr.write(`error: bundling the CLI failed (scripts/bundle-cli.ts): ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n`);
  process.exit(1);
});
