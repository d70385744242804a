// What a compute environment's state and maxNodes leave for new placements and for the autoscaling signal.
import test from 'ava';
import { cappedNodesWanted, usableNodes } from '../../scheduler/compute-environment-limits.ts';
import { gpuNode } from '../support/builders.ts';

const nodes = () => ['c', 'a', 'b'].map((name) => gpuNode({ name, gpus: 1 }));
const names = (list: { name: string }[]) => list.map((n) => n.name);

test('without settings, or ENABLED without maxNodes, every node is usable', (t) => {
  t.deepEqual(names(usableNodes(nodes(), undefined)), ['c', 'a', 'b']);
  t.deepEqual(names(usableNodes(nodes(), { name: 'local', state: 'ENABLED' })), ['c', 'a', 'b']);
});

test('maxNodes keeps the first nodes by name; DISABLED keeps none', (t) => {
  t.deepEqual(names(usableNodes(nodes(), { name: 'local', state: 'ENABLED', maxNodes: 2 })), ['a', 'b']);
  t.deepEqual(names(usableNodes(nodes(), { name: 'local', state: 'ENABLED', maxNodes: 0 })), []);
  t.deepEqual(usableNodes(nodes(), { name: 'local', state: 'DISABLED' }), []);
});

test('the autoscaling signal asks for no node beyond maxNodes, and none while DISABLED', (t) => {
  t.is(cappedNodesWanted(5, 3, { name: 'local', state: 'ENABLED', maxNodes: 4 }), 1);
  t.is(cappedNodesWanted(5, 6, { name: 'local', state: 'ENABLED', maxNodes: 4 }), 0);
  t.is(cappedNodesWanted(5, 3, { name: 'local', state: 'ENABLED' }), 5);
  t.is(cappedNodesWanted(null, 0, { name: 'local', state: 'ENABLED', maxNodes: 4 }), null);
  t.is(cappedNodesWanted(null, 0, { name: 'local', state: 'DISABLED' }), 0);
  t.is(cappedNodesWanted(2, 3, undefined), 2);
});

test('minNodes is a floor of the autoscaling signal, even with nothing waiting; maxNodes wins over it', (t) => {
  t.is(cappedNodesWanted(0, 1, { name: 'pool', state: 'ENABLED', minNodes: 3 }), 2);
  t.is(cappedNodesWanted(5, 1, { name: 'pool', state: 'ENABLED', minNodes: 3 }), 5);
  t.is(cappedNodesWanted(0, 4, { name: 'pool', state: 'ENABLED', minNodes: 3 }), 0);
  t.is(cappedNodesWanted(0, 1, { name: 'pool', state: 'ENABLED', minNodes: 6, maxNodes: 4 }), 3);
  t.is(cappedNodesWanted(0, 1, { name: 'pool', state: 'DISABLED', minNodes: 3 }), 0);
  t.is(cappedNodesWanted(null, 1, { name: 'pool', state: 'ENABLED', minNodes: 3 }), null);
});
