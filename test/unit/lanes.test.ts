import test from 'ava';
import { laneOf, laneOfRunning, laneQueueName } from '../../scheduler/lanes.ts';
import { runningJob } from '../support/builders.ts';

const needs = (gpus: number, nodes?: number) => ({ resources: { gpus }, nodes });

test('lanes by whole GPUs on one node: up to 1, 2-3, 4-7, 8 or more; gangs apart', (t) => {
  t.deepEqual(
    [0, 1, 2, 3, 4, 7, 8, 64].map((gpus) => laneOf(needs(gpus))),
    ['', '', 'g2', 'g2', 'g4', 'g4', 'g8', 'g8'],
  );
  t.is(laneOf(needs(1, 2)), 'gang');
  t.is(laneOf(needs(8, 1)), 'g8');
});

test("the first lane keeps the queue's own BullMQ name; the others cannot collide with a queue name", (t) => {
  t.is(laneQueueName('batch', ''), 'batch');
  t.is(laneQueueName('batch', 'g8'), 'batch~g8');
});

test('a running job is counted in the lane it was queued in', (t) => {
  t.is(laneOfRunning(runningJob().on('n', [0, 1, 2, 3]).build()), 'g4');
  t.is(laneOfRunning(runningJob().shareOn('n', 0, 500).build()), '');
});
