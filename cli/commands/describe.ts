// gpubatch describe <id> [--json]: everything a user asks about one job, on one screen.
import { parseChildId } from '../../scheduler/array-children.ts';
import { type Attempt, JOB_STATUSES, type JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { formatDuration, formatTime, progressBar } from '../format.ts';

function gpus(indices: number[]): string {
  return indices.length === 0 ? 'no GPU' : `GPU${indices.length === 1 ? '' : 's'} ${indices.join(',')}`;
}

function placement(attempt: Attempt): string {
  const { node, gpuIndices, gpuMilliPerGpu } = attempt.placement;
  const share = gpuMilliPerGpu > 0 && gpuMilliPerGpu < 1000 ? ` (${gpuMilliPerGpu}/1000 of each)` : '';
  // A queue may feed several compute environments: say which one the node is in.
  const pool = attempt.computeEnvironment ? ` (${attempt.computeEnvironment})` : '';
  return `${node}${pool}  ${gpus(gpuIndices)}${share}`;
}

function attemptLine(attempt: Attempt): string {
  const span = attempt.stoppedAt
    ? `${formatTime(attempt.startedAt)} -> ${formatTime(attempt.stoppedAt)} (${formatDuration(attempt.stoppedAt - attempt.startedAt)})`
    : `${formatTime(attempt.startedAt)} -> running`;
  const ending = [attempt.outcome, attempt.reason].filter(Boolean).join(': ');
  return [`#${attempt.number}`, placement(attempt), attempt.backend ?? 'backend not chosen yet', span, ending]
    .filter(Boolean)
    .join('  ');
}

function resources(job: JobRecord): string {
  const { gpus: whole, gpuMilli, gpuModel, cpuMilli, memoryMiB } = job.spec.resources;
  const gpu =
    whole > 0 ? `${whole} GPU${whole === 1 ? '' : 's'}` : gpuMilli > 0 ? `${gpuMilli}/1000 GPU` : 'no GPU';
  const models = gpuModel.length > 0 ? ` (${gpuModel.join(' or ')})` : '';
  return `${gpu}${models}, ${cpuMilli / 1000} CPU, ${memoryMiB} MiB`;
}

function timings(job: JobRecord): string[][] {
  const rows = [['Created', formatTime(job.createdAt)]];
  if (job.startedAt) {
    rows.push([
      'Started',
      `${formatTime(job.startedAt)}  (waited ${formatDuration(job.startedAt - job.createdAt)})`,
    ]);
  }
  if (job.stoppedAt) {
    const ran = job.startedAt ? `  (ran ${formatDuration(job.stoppedAt - job.startedAt)})` : '';
    rows.push(['Stopped', `${formatTime(job.stoppedAt)}${ran}`]);
  }
  return rows;
}

/** An array parent's size, limit and children per status; a child's place in its array. */
function arrayRows(job: JobRecord): string[][] {
  const array = job.arrayProperties;
  if (!array) return [];
  if (array.index !== undefined) {
    const parent = parseChildId(job.id)?.parentId ?? '?';
    return [['Array', `child ${array.index} of ${parent}`]];
  }
  const limit = job.spec.maxConcurrent ? `, at most ${job.spec.maxConcurrent} at once` : '';
  const counts = JOB_STATUSES.filter((s) => (array.statusSummary?.[s] ?? 0) > 0).map(
    (s) => `${s} ${array.statusSummary?.[s]}`,
  );
  return [
    ['Array', `${array.size} children${limit}`],
    ['Children', counts.length > 0 ? counts.join('  ') : 'none yet'],
  ];
}

function dependencyRows(job: JobRecord): string[][] {
  const dependencies = job.spec.dependsOn ?? [];
  if (dependencies.length === 0) return [];
  const named = dependencies.map((d) => [d.jobId, d.type && `(${d.type})`].filter(Boolean).join(' '));
  return [['Depends on', named.join(', ')]];
}

export function describeJob(job: JobRecord): string {
  const latest = job.attempts.at(-1);
  const { spec } = job;
  const rows: string[][] = [
    ['Job', `${job.id}  (${spec.name})`],
    ...(job.jobDefinition ? [['Definition', job.jobDefinition]] : []),
    ['Queue', `${spec.queue}  priority ${spec.priority}`],
    ['Kind', `${spec.kind}  ${spec.kind === 'kernel' ? spec.kernel : spec.model}`],
    ['Status', job.statusReason ? `${job.status}: ${job.statusReason}` : job.status],
    ...(job.terminateRequested
      ? [
          [
            'Terminate',
            `requested ${formatTime(job.terminateRequested.at)}: ${job.terminateRequested.reason}`,
          ],
        ]
      : []),
    ...(job.notBefore === undefined
      ? []
      : [['Backoff', `next attempt not before ${formatTime(job.notBefore)}`]]),
    ...(job.estimatedStartAt === undefined
      ? []
      : [['Expected', `to start ${formatTime(job.estimatedStartAt)}`]]),
    ...(job.suggestions ?? []).map((hint, i) => [i === 0 ? 'Sooner if' : '', hint]),
    ...(spec.shareIdentifier ? [['Share', spec.shareIdentifier]] : []),
    ...(spec.nodes > 1
      ? [['Gang', `${spec.nodes} members${spec.sameLabel ? `, all with one ${spec.sameLabel}` : ''}`]]
      : []),
    ...arrayRows(job),
    ...dependencyRows(job),
    ['Resources', resources(job)],
    ['Placement', latest ? placement(latest) : 'not placed yet'],
    ['Backend', job.result?.backend ?? latest?.backend ?? 'not chosen yet'],
    ['Progress', job.progress ? progressBar(job.progress) : 'no report yet'],
    ['Input', spec.input],
    [
      'Output',
      job.result ? `${job.result.output}  (${job.result.rows} rows)` : `${spec.output}  (not written yet)`,
    ],
    ...timings(job),
  ];
  const width = Math.max(...rows.map(([label]) => label!.length)) + 2;
  const lines = rows.map(([label, value]) => `${label!.padEnd(width)}${value}`);
  lines.push(
    `Attempts${job.attempts.length === 0 ? '  none yet' : ` (${job.attempts.length} of ${spec.retry.attempts})`}`,
  );
  for (const attempt of job.attempts) lines.push(`  ${attemptLine(attempt)}`);
  return `${lines.join('\n')}\n`;
}

export async function describeCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('describe', args, { json: { type: 'boolean' } }, ['<id>']);
  const job = await apiClient(ctx).get<JobRecord>(`/v1/jobs/${encodeURIComponent(positionals[0]!)}`);
  ctx.stdout.write(values.json ? `${JSON.stringify(job, null, 2)}\n` : describeJob(job));
  return EXIT.ok;
}
