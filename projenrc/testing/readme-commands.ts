import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One shell command as a README shows it, after continuations are joined and comments dropped. */
export interface ReadmeCommand {
  /** README path, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the command's first line. */
  readonly line: number;
  readonly text: string;
  /** The directory the command runs in (a `cd` earlier in the same block moves it), relative to the root. */
  readonly cwd: string;
}

/** What the test does with a command. */
export type CommandCheck =
  /** One of the workspace's CLIs: run it with `--help` appended; it must print usage and exit 0. */
  | { readonly kind: 'help'; readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>> }
  /** Safe to run for real (reads config only); must exit 0. */
  | { readonly kind: 'run'; readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>> }
  /** A repository script: it must exist and parse (`bash -n`). */
  | { readonly kind: 'script'; readonly path: string }
  /** `pnpm <script>`: the root package.json must define it. */
  | { readonly kind: 'root-script'; readonly name: string }
  /** `pnpm nx …`: the projects and targets named must exist. */
  | { readonly kind: 'nx'; readonly project: string; readonly target: string }
  /** A package's own script through `pnpm --filter`: the package and the script must exist. */
  | { readonly kind: 'package-script'; readonly packageName: string; readonly script: string }
  /** Not this repository's (terraform, git, aws…), or a shell built-in: nothing to check here. */
  | { readonly kind: 'external'; readonly tool: string }
  /** Looks like one of ours but is not runnable as written (a bare CLI name that is on no PATH). */
  | { readonly kind: 'broken'; readonly reason: string };

const SHELL_FENCE = /^```(bash|sh|shell|console)\s*$/;

/** The commands in a README's shell blocks. */
export function readmeCommands(root: string, file: string): ReadmeCommand[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const commands: ReadmeCommand[] = [];
  let inBlock = false;
  let cwd = '.';
  for (let i = 0; i < lines.length; i++) {
    if (!inBlock) {
      if (SHELL_FENCE.test(lines[i].trim())) {
        inBlock = true;
        // A block starts at the repository root, as the READMEs promise.
        cwd = '.';
      }
      continue;
    }
    if (lines[i].trim().startsWith('```')) {
      inBlock = false;
      continue;
    }
    const start = i;
    let text = stripComment(lines[i]);
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${stripComment(lines[++i])}`;
    text = text.replace(/^\$\s+/, '').replace(/\s+/g, ' ').trim();
    if (!text) continue;
    commands.push({ file, line: start + 1, text, cwd });
    const cd = /^cd (\S+)$/.exec(text);
    if (cd) cwd = join(cwd, cd[1]);
  }
  return commands;
}

/** Drops a trailing `# comment` that is not inside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === '\'') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

/** What the workspace offers, as far as deciding a check needs it. */
export interface Workspace {
  /** Root package.json scripts. */
  readonly rootScripts: Readonly<Record<string, string>>;
  /** Executable name → path of its bin file, relative to the root. */
  readonly bins: Readonly<Record<string, string>>;
  /** Package name → its folder and scripts. */
  readonly packages: Readonly<Record<string, { readonly dir: string; readonly scripts: Readonly<Record<string, string>> }>>;
}

/** Commands that only read configuration: run for real. */
const SAFE = [/^platform-config (show|validate)\b/, /^platform-ops cost\b/];

/** Decides how a README command is checked (pure: no process is run here). */
export function checkFor(command: ReadmeCommand, ws: Workspace): CommandCheck {
  const words = command.text.split(' ');
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split('=');
    env[name] = value.join('=');
  }
  const [tool, ...args] = words;
  if (!tool) return { kind: 'external', tool: 'env' };
  // How a README may run an executable without the root script: node for a `.js` one, a launcher as it is.
  const binPath = (name: string) => `${ws.bins[name].endsWith('.js') ? 'node ' : ''}${ws.bins[name]}`;

  if (tool === 'bash' && args[0]?.startsWith('scripts/')) return { kind: 'script', path: join(command.cwd, args[0]) };
  if (tool.startsWith('scripts/') || tool.startsWith('./scripts/')) return { kind: 'script', path: join(command.cwd, tool) };
  if (tool === 'eval') {
    const inner = /\$\((?:bash )?(scripts\/\S+)/.exec(command.text);
    return inner ? { kind: 'script', path: join(command.cwd, inner[1]) } : { kind: 'external', tool: 'eval' };
  }
  if (tool === 'node' && args[0]?.endsWith('.js') && args[0].includes('bin/')) {
    const rest = args.slice(1);
    const name = Object.entries(ws.bins).find(([, p]) => join(command.cwd, args[0]) === p)?.[0];
    if (!name) return { kind: 'broken', reason: `${args[0]} is not a workspace executable` };
    return cliCheck(name, [process.execPath, join(command.cwd, args[0]), ...rest], rest, env);
  }
  if (ws.bins[tool]) {
    return { kind: 'broken', reason: `\`${tool}\` is on no PATH: write \`pnpm ${tool} …\` (a root script) or \`${binPath(tool)} …\`` };
  }
  if (tool === 'pnpm') {
    // `pnpm -s` only silences pnpm's own banner.
    const rest = args.filter((a) => a !== '-s' && a !== '--silent');
    const [first, ...more] = rest;
    if (first === 'nx' || (first === 'exec' && more[0] === 'nx')) return nxCheck(first === 'nx' ? more : more.slice(1));
    if (first === 'exec') {
      // The root depends on no workspace package, so their executables are not on its PATH.
      if (ws.bins[more[0]]) return { kind: 'broken', reason: `\`pnpm exec ${more[0]}\` finds no such command: write \`pnpm ${more[0]} …\`` };
      return { kind: 'external', tool: more[0] };
    }
    if (first === '--filter') {
      const [packageName, script] = more;
      if (script === 'exec' && ws.bins[more[2]]) {
        return { kind: 'broken', reason: `pnpm does not link a package's own executables: write \`pnpm ${more[2]} …\` from the root` };
      }
      return { kind: 'package-script', packageName, script: script === 'run' ? more[2] : script };
    }
    if (first && ws.bins[first] && ws.rootScripts[first]) {
      // A `.js` executable runs with node, a launcher (a shell script) by itself, as the root script runs them.
      const bin = ws.bins[first];
      return cliCheck(first, [...(bin.endsWith('.js') ? [process.execPath] : []), bin, ...more], more, env);
    }
    if (first && ws.rootScripts[first]) return { kind: 'root-script', name: first };
    return { kind: 'broken', reason: `\`pnpm ${first}\` is not a script of the root package.json` };
  }
  return { kind: 'external', tool };
}

function cliCheck(name: string, argv: string[], args: string[], env: Record<string, string>): CommandCheck {
  const shown = `${name} ${args.join(' ')}`.trim();
  if (SAFE.some((rule) => rule.test(shown)) && !args.includes('>')) return { kind: 'run', argv, env };
  // Redirections and pipes are the shell's; `--help` goes to the command itself.
  const cut = argv.findIndex((a) => ['>', '|', '>>', '2>&1'].includes(a));
  return { kind: 'help', argv: [...(cut >= 0 ? argv.slice(0, cut) : argv), '--help'], env };
}

function nxCheck(args: string[]): CommandCheck {
  const [verb, ...rest] = args;
  if (verb === 'run') {
    const [project, target] = rest[0].split(':');
    return { kind: 'nx', project, target };
  }
  if (verb && !verb.startsWith('-') && rest[0] && !rest[0].startsWith('-') && !['affected', 'run-many', 'show', 'graph'].includes(verb)) {
    // `pnpm nx build config` → target build of project config.
    return { kind: 'nx', project: rest[0], target: verb };
  }
  return { kind: 'external', tool: `nx ${verb}` };
}

/** The workspace as the repository describes it: root scripts, every package's bin and scripts. */
export function readWorkspace(root: string, packageDirs: readonly string[]): Workspace {
  const rootScripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const bins: Record<string, string> = {};
  const packages: Record<string, { dir: string; scripts: Record<string, string> }> = {};
  for (const dir of packageDirs) {
    const file = join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; bin?: Record<string, string>; scripts?: Record<string, string> };
    for (const [name, path] of Object.entries(pkg.bin ?? {})) bins[name] = join(dir, path);
    packages[pkg.name] = { dir, scripts: pkg.scripts ?? {} };
  }
  return { rootScripts, bins, packages };
}
