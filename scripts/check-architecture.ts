// `npm run check:arch`: scheduler/core must stay pure. It may import only other files in
// scheduler/core: no express, ioredis, bullmq, @kubernetes/client-node, no node: built-ins,
// no fs or child_process, nothing from elsewhere in the project; and it reads no clock and
// no unseeded randomness, so a cycle is reproducible.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blankComments, findImports } from './core-imports.ts';

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  why: string;
}

/** Globals that would make a decision depend on when or where it runs. */
const NONDETERMINISTIC =
  /\b(Date\.now|new Date\s*\(|Math\.random|performance\.now|process\.|crypto\.|setTimeout|setInterval|fetch\s*\()/g;

export const CORE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scheduler', 'core');

/** Every import in a .ts file under `dir` that leaves `dir`; file paths are relative to `dir`. */
export function findCoreViolations(dir: string): Violation[] {
  const root = resolve(dir);
  const violations: Violation[] = [];
  for (const file of typeScriptFiles(root)) {
    const source = readFileSync(file, 'utf8');
    for (const site of findImports(source)) {
      const why =
        site.specifier === undefined
          ? 'computed module name cannot be checked'
          : whyForbidden(site.specifier, file, root);
      if (why !== undefined) {
        violations.push({
          file: relative(root, file),
          line: site.line,
          specifier: site.specifier ?? '(computed)',
          why,
        });
      }
    }
    for (const use of nondeterministicUses(source)) {
      violations.push({
        file: relative(root, file),
        ...use,
        why: 'clock, randomness or process state: pass it in instead',
      });
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** undefined when the specifier is a relative path that stays inside the core. */
function whyForbidden(specifier: string, file: string, root: string): string | undefined {
  if (specifier.startsWith('node:')) return 'Node built-in: the core does no I/O';
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
    return 'package or bare module: the core imports only its own files';
  }
  const target = resolve(dirname(file), specifier);
  if (target !== root && !target.startsWith(root + sep)) return 'outside scheduler/core';
  return undefined;
}

function nondeterministicUses(source: string): { line: number; specifier: string }[] {
  const code = blankComments(source);
  return [...code.matchAll(NONDETERMINISTIC)].map((match) => ({
    line: code.slice(0, match.index).split('\n').length,
    specifier: match[1]!,
  }));
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** `node scripts/check-architecture.ts [dir]`: dir defaults to scheduler/core. */
function main(dir: string): void {
  const violations = findCoreViolations(dir);
  const shown = relative(process.cwd(), dir) || '.';
  if (violations.length === 0) {
    console.log(`check:arch: ${shown} imports only its own files and reads no clock`);
    return;
  }
  console.error(`check:arch: ${shown} must stay pure; ${violations.length} violation(s):`);
  for (const v of violations) console.error(`  ${join(shown, v.file)}:${v.line}  ${v.specifier}  (${v.why})`);
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(resolve(process.argv[2] ?? CORE_DIR));
}
