// The warm model cache: sessions keyed by model path and content hash (and providers, threads), bounded
// by count and bytes in least-recently-used order, never evicting a session an attempt holds.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { buildMlpModel, type MlpShape } from '../../kernels/onnx/mlp-model.ts';
import {
  acquireModel,
  configureModelCache,
  modelCacheStats,
  releaseSessions,
} from '../../kernels/onnx/session-cache.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

const shape: MlpShape = { inputDim: 4, hiddenDims: [8], outputDim: 2, seed: 1 };

test.afterEach.always(() => releaseSessions());

async function models(t: Parameters<typeof temporaryDirectory>[0], count: number): Promise<string[]> {
  const dir = await temporaryDirectory(t);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const path = join(dir, `m${i}.onnx`);
      await writeFile(path, buildMlpModel({ ...shape, seed: i + 1 }));
      return path;
    }),
  );
}

/** Acquires and releases at once, as an attempt does around its run; says whether it was a hit. */
async function use(path: string, threads = 1): Promise<'hit' | 'miss'> {
  const lease = await acquireModel(path, [], { intraOpThreads: threads });
  lease.release();
  return lease.cache;
}

test.serial(
  'a second use of the same model is a hit; another thread count or content is a miss',
  async (t) => {
    const [path] = await models(t, 1);
    t.deepEqual([await use(path!), await use(path!), await use(path!, 2)], ['miss', 'hit', 'miss']);
    await writeFile(path!, buildMlpModel({ ...shape, seed: 99 }));
    t.is(await use(path!), 'miss');
    // Older versions of that path (both thread counts) are dropped at once: they cannot be hit again.
    t.is(modelCacheStats().sessions, 1);
  },
);

test.serial('beyond maxSessions the least recently used session is evicted', async (t) => {
  configureModelCache({ maxSessions: 2 });
  t.teardown(() => configureModelCache({ maxSessions: 4 }));
  const [a, b, c] = await models(t, 3);
  await use(a!);
  await use(b!);
  t.is(await use(a!), 'hit', 'a is now the most recently used');
  await use(c!); // evicts b
  t.deepEqual([await use(a!), await use(b!)], ['hit', 'miss']);
  t.is(modelCacheStats().sessions, 2);
});

test.serial('a byte limit evicts too, but never a session an attempt still holds', async (t) => {
  const [a, b, c] = await models(t, 3);
  const held = await acquireModel(a!, []);
  configureModelCache({ maxBytes: 1 }); // every model is over the limit
  t.teardown(() => configureModelCache({ maxBytes: 2 * 1024 ** 3 }));
  await use(b!);
  t.is(await use(a!), 'hit', 'held while b was loaded, so not evicted');
  held.release();
  await use(c!); // evicts every idle session: a and b
  t.deepEqual([await use(a!), modelCacheStats().sessions], ['miss', 1]);
});
