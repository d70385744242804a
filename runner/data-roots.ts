// Where a job may read and write: only under its compute environment's data roots. Checked at submit
// (422 naming the field) and again by the runner just before it opens files, on real paths, so neither
// `..`, an absolute path elsewhere, nor a symlink (even one made after the submit) leads outside.
import { readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { FieldProblem } from '../api/errors.ts';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import { secondInputPath } from './kernel-io.ts';

/** A path the job names, with the field that names it (input, output, model, params.<second input>, params.reviewOutput). */
export interface JobPath {
  field: string;
  /** As written in the spec. */
  raw: string;
  /** Resolved against the job's working directory. */
  path: string;
}

export function jobPaths(spec: JobSpec, cwd: string): JobPath[] {
  const paths: JobPath[] = [
    { field: 'input', raw: spec.input, path: resolve(cwd, spec.input) },
    { field: 'output', raw: spec.output, path: resolve(cwd, spec.output) },
  ];
  if (spec.model !== undefined)
    paths.push({ field: 'model', raw: spec.model, path: resolve(cwd, spec.model) });
  // Inference writes rows below its confidence threshold to a second file.
  const review = spec.kind === 'inference' ? spec.params['reviewOutput'] : undefined;
  if (typeof review === 'string') {
    paths.push({ field: 'params.reviewOutput', raw: review, path: resolve(cwd, review) });
  }
  const second = secondInputPath(spec, cwd);
  if (second) {
    const raw = String(spec.params[second.param]);
    paths.push({ field: `params.${second.param}`, raw, path: second.path });
  }
  return paths;
}

export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

function outsideMessage(roots: readonly string[]): string {
  return `must be under ${roots.length === 1 ? 'the data root' : 'one of the data roots'} ${roots.join(', ')}`;
}

/** From the text alone: no `..` segment, and inside a root once resolved. */
export function pathProblems(paths: readonly JobPath[], roots: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const { field, raw, path } of paths) {
    if (raw.split(/[/\\]/).includes('..')) {
      problems.push({ field, message: 'must not contain ".." segments' });
    } else if (!roots.some((root) => isInside(path, root))) {
      problems.push({ field, message: outsideMessage(roots) });
    }
  }
  return problems;
}

/**
 * On the file system: each path with its symlinks resolved (a path not there yet by its deepest existing
 * directory) is inside a root with its symlinks resolved. Run after pathProblems found none.
 */
export async function realPathProblems(
  paths: readonly JobPath[],
  roots: readonly string[],
  realPaths: RealPaths = FRESH_REAL_PATHS,
): Promise<FieldProblem[]> {
  const [realRoots, realJobPaths] = await Promise.all([
    Promise.all(roots.map((root) => realPaths.root(root))),
    Promise.all(paths.map((jobPath) => realPaths.path(jobPath))),
  ]);
  const problems: FieldProblem[] = [];
  for (const [i, { field }] of paths.entries()) {
    const real = realJobPaths[i]!;
    if (!realRoots.some((root) => isInside(real, root))) {
      problems.push({
        field,
        message: `${outsideMessage(roots)} (it leads outside through a symbolic link)`,
      });
    }
  }
  return problems;
}

/** Both checks, for callers that want all problems of a job at once. */
export async function dataRootProblems(
  spec: JobSpec,
  cwd: string,
  roots: readonly string[],
  realPaths?: RealPaths,
): Promise<FieldProblem[]> {
  const paths = jobPaths(spec, cwd);
  const lexical = pathProblems(paths, roots);
  return lexical.length > 0 ? lexical : realPathProblems(paths, roots, realPaths);
}

/** How real paths are found: resolved each time (the runner), or partly from a short cache (submissions). */
export interface RealPaths {
  root(path: string): Promise<string>;
  path(jobPath: JobPath): Promise<string>;
}

const FRESH_REAL_PATHS: RealPaths = { root: deepestRealPath, path: ({ path }) => deepestRealPath(path) };

/** The paths a job only writes (the runner creates them); the others it, and the submit's preflight, read. */
export function isWrittenPath(field: string): boolean {
  return field === 'output' || field === 'params.reviewOutput';
}

/** Symlink hops followed by hand before giving up (the kernel's own limit is 40). */
const MAX_LINK_HOPS = 40;

/**
 * realpath of the path, or of its deepest existing ancestor joined with the rest (not there yet). A
 * dangling symlink counts as where it points, so one cannot be aimed outside now and filled in later.
 */
export async function deepestRealPath(path: string, hops = 0): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    const parent = dirname(path);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) return path;
    const target = await readlink(path).catch(() => undefined);
    if (target !== undefined && hops < MAX_LINK_HOPS)
      return deepestRealPath(resolve(parent, target), hops + 1);
    return resolve(await deepestRealPath(parent, hops), relative(parent, path));
  }
}
