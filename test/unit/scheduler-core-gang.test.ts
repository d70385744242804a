import test from 'ava';
import { describeReason, schedule } from '../../scheduler/core/index.ts';
import { gpuNodes, job, snapshot, withUsedGpus } from '../support/builders.ts';

test('a gang gets one member per node, all in the same cycle, each placement naming its member', (t) => {
  const result = schedule(snapshot(gpuNodes(4, { gpus: 8 })), [job().id('g').gang(3).gpus(8).build()]);
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.member]),
    [
      ['g', 0],
      ['g', 1],
      ['g', 2],
    ],
  );
  t.is(new Set(result.placements.map((p) => p.node)).size, 3);
  t.deepEqual(result.unschedulable, []);
});

test('a gang that does not fit places nothing, says how many members fit, and leaves the room to others', (t) => {
  const nodes = gpuNodes(3, { gpus: 8 });
  nodes[2] = withUsedGpus(nodes[2]!, [0, 1, 2, 3, 4, 5, 6, 7]);
  const result = schedule(snapshot(nodes), [
    job().id('gang').priority(9).gang(3).gpus(8).build(),
    job().id('small').gpus(8).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['small'],
  );
  const reason = result.unschedulable.find((u) => u.jobId === 'gang')!.reason;
  t.deepEqual(reason, { kind: 'GangDoesNotFit', members: 3, fitting: 2, label: undefined });
  t.is(describeReason(reason), 'needs 3 nodes at once, only 2 fit now');
});

test('a gang none of whose members fits anywhere gets the plain capacity reason', (t) => {
  const result = schedule(snapshot(gpuNodes(2, { gpus: 4 })), [job().id('g').gang(2).gpus(8).build()]);
  t.deepEqual(result.unschedulable, [
    { jobId: 'g', reason: { kind: 'InsufficientGpus', need: 8, largestFree: 4 } },
  ]);
});

test('two gangs competing for the same nodes: the first is placed whole, the second not at all', (t) => {
  const result = schedule(snapshot(gpuNodes(4, { gpus: 8 })), [
    job().id('first').submittedAt(1).gang(3).gpus(8).build(),
    job().id('second').submittedAt(2).gang(3).gpus(8).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['first', 'first', 'first'],
  );
  t.deepEqual(
    result.unschedulable.map((u) => u.jobId),
    ['second'],
  );
});

test('sameLabel keeps every member in one domain of the label, skipping a domain that is too small', (t) => {
  const zoneA = gpuNodes(2, { gpus: 8, namePrefix: 'a', labels: { zone: 'a' } });
  const zoneB = gpuNodes(3, { gpus: 8, namePrefix: 'b', labels: { zone: 'b' } });
  const result = schedule(snapshot(zoneA, zoneB), [job().id('g').gang(3).sameLabel('zone').gpus(4).build()]);
  t.deepEqual(
    result.placements.map((p) => p.node),
    ['b-0', 'b-1', 'b-2'],
  );
});

test('sameLabel picks the domain the scorer likes best in total (best-fit: the fuller zone)', (t) => {
  const zoneA = gpuNodes(2, { gpus: 8, namePrefix: 'a', labels: { zone: 'a' } });
  const zoneB = gpuNodes(2, { gpus: 8, namePrefix: 'b', labels: { zone: 'b' } }).map((node) =>
    withUsedGpus(node, [0, 1, 2, 3]),
  );
  const result = schedule(snapshot(zoneA, zoneB), [job().id('g').gang(2).sameLabel('zone').gpus(4).build()]);
  t.deepEqual(
    result.placements.map((p) => p.node),
    ['b-0', 'b-1'],
  );
});

test('sameLabel: when no single domain can hold the gang, it waits even though the cluster could', (t) => {
  const zoneA = gpuNodes(2, { gpus: 8, namePrefix: 'a', labels: { zone: 'a' } });
  const zoneB = gpuNodes(2, { gpus: 8, namePrefix: 'b', labels: { zone: 'b' } });
  zoneB[1] = withUsedGpus(zoneB[1]!, [0, 1, 2, 3, 4, 5, 6, 7]);
  const result = schedule(snapshot(zoneA, zoneB), [job().id('g').gang(3).sameLabel('zone').gpus(8).build()]);
  t.deepEqual(result.placements, []);
  const reason = result.unschedulable[0]!.reason;
  t.deepEqual(reason, { kind: 'GangDoesNotFit', members: 3, fitting: 2, label: 'zone' });
  t.is(describeReason(reason), 'needs 3 nodes with the same zone, at most 2 fit in any one zone now');
});

test('sameLabel: nodes without the label are never used', (t) => {
  const labelled = gpuNodes(2, { gpus: 8, namePrefix: 'rack1', labels: { rack: 'r1' } });
  const unlabelled = gpuNodes(2, { gpus: 8, namePrefix: 'plain' });
  const result = schedule(snapshot(unlabelled, labelled), [
    job().id('g').gang(2).sameLabel('rack').gpus(8).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.node),
    ['rack1-0', 'rack1-1'],
  );
});
