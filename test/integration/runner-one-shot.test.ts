// The runner as a Kubernetes job pod runs it: `node runner/main.ts` with the AttemptRequest in
// GPUBATCH_ATTEMPT, no IPC channel; the result is left as the termination message and the exit code says
// success or failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import type { AttemptRequest } from '../../runner/protocol.ts';
import { parseReport } from '../../scheduler/executors/kubernetes/pod-outcome.ts';
import { kernelJobSpec } from '../support/job-specs.ts';

const MAIN = fileURLToPath(new URL('../../runner/main.ts', import.meta.url));

async function workdir(t: ExecutionContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-one-shot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await writeNpy(
    join(dir, 'matrix.npy'),
    createMatrix(
      8,
      3,
      Float32Array.from({ length: 24 }, (_, i) => i),
    ),
  );
  return dir;
}

function runPod(
  request: AttemptRequest,
  reportPath: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        GPUBATCH_ATTEMPT: JSON.stringify(request),
        GPUBATCH_REPORT_PATH: reportPath,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

test('a kernel attempt runs once, writes its output and reports success in the termination message', async (t) => {
  const dir = await workdir(t);
  const request: AttemptRequest = {
    jobId: 'j1',
    attempt: 1,
    spec: kernelJobSpec(),
    cwd: dir,
    gpuIndices: [],
  };
  const { code, stdout } = await runPod(request, join(dir, 'termination-log'));
  t.is(code, 0);
  t.regex(stdout, /gpubatch: succeeded/);
  const report = parseReport(readFileSync(join(dir, 'termination-log'), 'utf8'));
  t.like(report, { type: 'succeeded', result: { output: join(dir, 'out/standardized.npy'), rows: 8 } });
  t.true(existsSync(join(dir, 'out/standardized.npy')));
});

test('a failing attempt exits 1 and reports its typed failure', async (t) => {
  const dir = await workdir(t);
  const request: AttemptRequest = {
    jobId: 'j2',
    attempt: 1,
    spec: kernelJobSpec({ input: 'missing.npy' }),
    cwd: dir,
    gpuIndices: [],
  };
  const { code } = await runPod(request, join(dir, 'termination-log'));
  t.is(code, 1);
  t.like(parseReport(readFileSync(join(dir, 'termination-log'), 'utf8')), {
    type: 'failed',
    failure: { code: 'INPUT_NOT_FOUND', retryable: false },
  });
});
