// A reservation search reads releases in order of expected end, then id, then as given; ReleaseOrder
// sorts only the prefix it reads and must give exactly what a full stable sort gives.
import test from 'ava';
import fc from 'fast-check';
import type { Release } from '../../scheduler/core/backfill.ts';
import { ReleaseOrder } from '../../scheduler/core/release-order.ts';

const byEndThenId = (a: Release, b: Release) => a.endAt - b.endAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// Few distinct ends and ids, so ties on both are common; the placements tell equal-keyed releases apart.
const arbitraryReleases = fc
  .array(
    fc.record({ id: fc.constantFrom('a', 'b', 'c', 'j-10', 'j-9'), endAt: fc.integer({ min: -3, max: 3 }) }),
    {
      maxLength: 60,
    },
  )
  .map((rows) =>
    rows.map(
      ({ id, endAt }, n): Release => ({
        id,
        endAt: endAt * 60_000,
        placements: [
          { jobId: id, node: `node-${n}`, gpuIndices: [], gpuMilliPerGpu: 0, cpuMilli: 0, memoryMiB: 0 },
        ],
      }),
    ),
  );

test('releases come in the order of a stable sort by end, then id, whatever prefix is read', (t) => {
  fc.assert(
    fc.property(arbitraryReleases, fc.nat(), (releases, readFirst) => {
      const sorted = [...releases].sort(byEndThenId);
      const order = new ReleaseOrder(releases);
      // Read a prefix first (as a galloping search does), then the rest.
      const prefix = Math.min(readFirst % (releases.length + 1), releases.length);
      for (let n = 0; n < prefix; n++) if (order.at(n) !== sorted[n]) return false;
      for (let n = 0; n < releases.length; n++) if (order.at(n) !== sorted[n]) return false;
      return order.length === releases.length;
    }),
  );
  t.pass();
});

test('the nth release is the same object however often it is read', (t) => {
  const late: Release = { id: 'late', endAt: 2, placements: [] };
  const early: Release = { id: 'early', endAt: 1, placements: [] };
  const order = new ReleaseOrder([late, early]);
  t.is(order.at(1), late);
  t.is(order.at(0), early);
  t.is(order.at(1), late);
});
