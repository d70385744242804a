// Trace files: jobs CSV `id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib
// [,queue][,share][,priority][,nodes]`, times in seconds, an empty duration for a job that never ends.
import { MILLI_PER_GPU } from '../core/types.ts';
import { type CellPlace, integerCell, requiredText, secondsCell } from './cells.ts';
import { parseCsv, writeCsv } from './csv.ts';
import { FormatError } from './format-error.ts';
import type { TraceJob } from './trace.ts';

const REQUIRED = [
  'id',
  'submit_time',
  'duration',
  'num_gpu',
  'gpu_milli',
  'gpu_model',
  'cpu_milli',
  'memory_mib',
] as const;
const OPTIONAL = ['queue', 'share', 'priority', 'nodes'] as const;

const MAX_GPUS_PER_JOB = 1024;
const MAX_GANG = 100_000;

/**
 * A job's GPU request from `num_gpu` and `gpu_milli`. Besides this format's own spelling (`0,250` for a
 * quarter GPU, `2,0` for two GPUs) it reads the Alibaba GPU traces' (`1,250` for a quarter GPU, `2,1000`
 * for two whole GPUs), so those traces load as they are.
 */
function gpuRequest(numText: string, milliText: string, at: (column: string) => CellPlace) {
  const numGpu = integerCell(numText, at('num_gpu'), 0, MAX_GPUS_PER_JOB);
  const gpuMilli = milliText === '' ? 0 : integerCell(milliText, at('gpu_milli'), 0, MILLI_PER_GPU);
  if (gpuMilli === 0 || gpuMilli === MILLI_PER_GPU) {
    if (numGpu === 0 && gpuMilli === MILLI_PER_GPU)
      throw fail(at('gpu_milli'), 'is 1000 (a whole GPU) but num_gpu is 0; write num_gpu 1, gpu_milli 0');
    return { numGpu, gpuMilli: 0 };
  }
  if (numGpu > 1)
    throw fail(at('gpu_milli'), `a share of a GPU (${gpuMilli}) is for one GPU, but num_gpu is ${numGpu}`);
  return { numGpu: 0, gpuMilli };
}

function fail(place: CellPlace, reason: string): FormatError {
  return new FormatError(place.file, place.line, reason, place.column);
}

export function parseJobsCsv(text: string, file: string): TraceJob[] {
  const { records } = parseCsv(text, file, { required: REQUIRED, optional: OPTIONAL });
  const seen = new Map<string, number>();
  return records.map(({ line, cells }) => {
    const at = (column: string): CellPlace => ({ file, line, column });
    const get = (column: string) => cells.get(column) ?? '';
    const id = requiredText(get('id'), at('id'));
    const first = seen.get(id);
    if (first !== undefined) throw fail(at('id'), `job "${id}" is also on line ${first}`);
    seen.set(id, line);
    const job: TraceJob = {
      id,
      submitTime: secondsCell(requiredText(get('submit_time'), at('submit_time')), at('submit_time')),
      ...gpuRequest(get('num_gpu'), get('gpu_milli'), at),
      gpuModel:
        get('gpu_model') === ''
          ? []
          : get('gpu_model')
              .split('|')
              .map((model) => model.trim()),
      cpuMilli: integerCell(get('cpu_milli'), at('cpu_milli'), 0),
      memoryMiB: integerCell(get('memory_mib'), at('memory_mib'), 0),
    };
    if (job.gpuModel.includes('')) throw fail(at('gpu_model'), 'has an empty model between "|"');
    if (get('duration') !== '') job.duration = secondsCell(get('duration'), at('duration'));
    if (get('queue') !== '') job.queue = get('queue');
    if (get('share') !== '') job.share = get('share');
    if (get('priority') !== '')
      job.priority = integerCell(get('priority'), at('priority'), -Number.MAX_SAFE_INTEGER);
    if (get('nodes') !== '') job.nodes = integerCell(get('nodes'), at('nodes'), 1, MAX_GANG);
    return job;
  });
}

/** Jobs CSV; each optional column is written only when some job sets it. Numbers as JavaScript prints them. */
export function writeJobsCsv(jobs: readonly TraceJob[]): string {
  const optional = OPTIONAL.filter((column) => jobs.some((job) => job[column] !== undefined));
  return writeCsv(
    [...REQUIRED, ...optional],
    jobs.map((job) => [
      job.id,
      String(job.submitTime),
      job.duration === undefined ? '' : String(job.duration),
      String(job.numGpu),
      String(job.gpuMilli),
      job.gpuModel.join('|'),
      String(job.cpuMilli),
      String(job.memoryMiB),
      ...optional.map((column) => (job[column] === undefined ? '' : String(job[column]))),
    ]),
  );
}
