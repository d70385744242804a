// The nodes of a simulated compute environment, from its declaration: `count` identical nodes per entry,
// named `<environment>-<n>` so that no two environments' nodes share a name.
import type { SimulatedEnvironment } from '../../config.ts';
import { MILLI_PER_GPU, type NodeState } from '../../core/types.ts';

export function simulatedNodes(environment: Pick<SimulatedEnvironment, 'name' | 'nodes'>): NodeState[] {
  const nodes: NodeState[] = [];
  for (const kind of environment.nodes) {
    for (let i = 0; i < kind.count; i++) {
      nodes.push({
        name: `${environment.name}-${nodes.length}`,
        labels: { ...kind.labels, 'gpubatch.io/simulated': 'true' },
        gpus: Array.from({ length: kind.gpus }, (_, index) => ({
          index,
          model: kind.gpuModel,
          freeMilli: MILLI_PER_GPU,
        })),
        cpuMilliTotal: kind.cpuMilli,
        cpuMilliFree: kind.cpuMilli,
        memoryMiBTotal: kind.memoryMiB,
        memoryMiBFree: kind.memoryMiB,
      });
    }
  }
  return nodes;
}
