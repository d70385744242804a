import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { CORE_DIR, findCoreViolations } from '../../scripts/check-architecture.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-architecture.ts', import.meta.url));

function fixtureCore(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gpubatch-arch-'));
  const core = join(root, 'scheduler', 'core');
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(core, path)), { recursive: true });
    writeFileSync(join(core, path), source);
  }
  writeFileSync(join(root, 'scheduler', 'outside.ts'), 'export const x = 1;\n');
  return core;
}

test('the real scheduler/core imports only its own files', (t) => {
  t.deepEqual(findCoreViolations(CORE_DIR), []);
});

test('imports that stay inside the core pass, whatever their form', (t) => {
  const core = fixtureCore({
    'types.ts': 'export type A = number;\n',
    'a.ts': [
      "import type { A } from './types.ts';",
      "import {\n  helper,\n} from './sub/helper.ts';",
      "export * from './types.ts';",
      "import './types.ts';",
      "const lazy = () => import('./types.ts');",
      '// import express from "express";',
      "/* const fs = require('node:fs'); */",
      '',
    ].join('\n'),
    'sub/helper.ts': "export { type A } from '../types.ts';\nexport const helper = 1;\n",
  });
  t.teardown(() => rmSync(dirname(dirname(core)), { recursive: true, force: true }));
  t.deepEqual(findCoreViolations(core), []);
});

test('each forbidden import is reported with its file, line and specifier', (t) => {
  const core = fixtureCore({
    'bad.ts': [
      "import express from 'express';",
      "import { Redis } from 'ioredis';",
      "export { Queue } from 'bullmq';",
      "import * as k8s from '@kubernetes/client-node';",
      "import { readFileSync } from 'node:fs';",
      "import fs from 'fs';",
      "const cp = require('child_process');",
      "const later = await import('node:child_process');",
      "import { hostname } from 'node:os';",
      "import { x } from '../outside.ts';",
      'const computed = await import(name);',
      '',
    ].join('\n'),
    'deep/nested.ts': "import type { JobRecord } from '../../job-record.ts';\n",
  });
  t.teardown(() => rmSync(dirname(dirname(core)), { recursive: true, force: true }));
  t.deepEqual(
    findCoreViolations(core).map((v) => `${v.file}:${v.line} ${v.specifier}`),
    [
      'bad.ts:1 express',
      'bad.ts:2 ioredis',
      'bad.ts:3 bullmq',
      'bad.ts:4 @kubernetes/client-node',
      'bad.ts:5 node:fs',
      'bad.ts:6 fs',
      'bad.ts:7 child_process',
      'bad.ts:8 node:child_process',
      'bad.ts:9 node:os',
      'bad.ts:10 ../outside.ts',
      'bad.ts:11 (computed)',
      `${join('deep', 'nested.ts')}:1 ../../job-record.ts`,
    ],
  );
});

test('clocks and unseeded randomness in the core are reported, but not in comments', (t) => {
  const core = fixtureCore({
    'clock.ts': [
      '// Date.now is passed in, never read here',
      'export const now = Date.now();',
      'export const roll = Math.random();',
      '',
    ].join('\n'),
  });
  t.teardown(() => rmSync(dirname(dirname(core)), { recursive: true, force: true }));
  t.deepEqual(
    findCoreViolations(core).map((v) => `${v.file}:${v.line} ${v.specifier}`),
    ['clock.ts:2 Date.now', 'clock.ts:3 Math.random'],
  );
});

test('npm run check:arch exits 1 and lists file:line and specifier', (t) => {
  const core = fixtureCore({ 'bad.ts': "export const ok = 1;\nimport { Queue } from 'bullmq';\n" });
  t.teardown(() => rmSync(dirname(dirname(core)), { recursive: true, force: true }));
  const run = spawnSync(process.execPath, [SCRIPT, core], { encoding: 'utf8' });
  t.is(run.status, 1);
  t.regex(run.stderr, /bad\.ts:2 {2}bullmq {2}\(package or bare module/);
});

test('npm run check:arch exits 0 on the real core', (t) => {
  const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
});
