// `npm run chaos`: the long reliability runs (docs/operations.md#chaos-tests), one file at a time so their
// timings do not disturb each other. The CI-sized versions of the same scenarios are test/chaos/*.test.ts.
export default {
  extensions: { ts: 'module' },
  files: ['test/chaos/**/*.chaos.ts'],
  timeout: '30m',
  concurrency: 1,
  workerThreads: false,
  verbose: true,
};
