// Per test: a fresh redis-server and a scheduler harness on it, both stopped after the test, so leaders
// and queues never meet across tests.
import type { TestFn } from 'ava';
import type { NodeState } from '../../scheduler/core/types.ts';
import { type TestRedis, testRedis } from './redis-server.ts';
import { type SchedulerHarness, type StartOptions, schedulerHarness } from './scheduler-harness.ts';

export interface SchedulerStack {
  /** This test's Redis. */
  readonly redis: TestRedis;
  /** This test's scheduler (the latest started or restarted). */
  readonly harness: SchedulerHarness;
  /** Starts this test's scheduler over `nodes`; it is stopped after the test. */
  start(nodes: NodeState[], options?: StartOptions): Promise<SchedulerHarness>;
  /** A new scheduler on the same Redis; stop the running one first. */
  restart(options?: StartOptions): Promise<SchedulerHarness>;
}

/**
 * Registers the hooks of a scheduler test file. With `nodes`, a scheduler over them starts before each
 * test; without, each test starts its own with `start`.
 */
export function schedulerStackPerTest(test: TestFn, nodes?: () => NodeState[]): SchedulerStack {
  let redis: TestRedis | undefined;
  let harness: SchedulerHarness | undefined;
  test.beforeEach(async () => {
    redis = await testRedis();
    if (nodes) harness = await schedulerHarness(redis.url, nodes());
  });
  test.afterEach.always(async () => {
    await harness?.stop();
    harness = undefined;
    await redis?.stop();
  });
  const stack: SchedulerStack = {
    get redis() {
      if (!redis) throw new Error('the test Redis is not started (used outside a test?)');
      return redis;
    },
    get harness() {
      if (!harness) throw new Error('no scheduler started in this test: call start(nodes) first');
      return harness;
    },
    start: async (startNodes, options) => {
      harness = await schedulerHarness(stack.redis.url, startNodes, options);
      return harness;
    },
    restart: async (options) => {
      harness = await stack.harness.restart(options);
      return harness;
    },
  };
  return stack;
}

/** Waits until the leader's polled copy of a setting changed over REST passes `check` (5 s at most). */
export async function leaderSees(check: () => boolean, what = 'the change'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`the leader did not pick up ${what} within 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
