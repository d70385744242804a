// dot-product (after Tetris, Grandl et al., SIGCOMM'14): prefer the node whose free resources point the
// same way as the request, over GPU, CPU and memory, each as a fraction of the node's capacity, so a
// CPU-heavy job goes where CPU is what is left and a GPU-heavy one where GPUs are.
import type { Candidate, Scorer } from './scorer.ts';

/** 0..100: the cosine between the request and the node's free vector (dimensions the node lacks are left out). */
export function dotProductScore({ node, request, gpus }: Candidate): number {
  let dot = 0;
  let requestNorm = 0;
  let freeNorm = 0;
  const add = (asked: number, free: number, total: number) => {
    if (total <= 0) return;
    const a = asked / total;
    const f = free / total;
    dot += a * f;
    requestNorm += a * a;
    freeNorm += f * f;
  };
  add(gpus.gpuIndices.length * gpus.gpuMilliPerGpu, node.gpuMilliFree, node.gpuMilliTotal);
  add(request.cpuMilli, node.cpuMilliFree, node.cpuMilliTotal);
  add(request.memoryMiB, node.memoryMiBFree, node.memoryMiBTotal);
  if (requestNorm === 0 || freeNorm === 0) return 0;
  return (100 * dot) / Math.sqrt(requestNorm * freeNorm);
}

export const dotProduct: Scorer = { score: dotProductScore, gpuChoice: 'tightest', stateOnly: true };
