// Unit tests sit beside the code (src, *.spec.ts); integration and e2e tests live in test/ (*.test.ts).
const { availableParallelism } = require('node:os');
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true } }] };
module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 120000,
  // A test that fails half-way can leave a queue worker or a socket open; without this, jest then never exits and
  // CI reports a 90-minute timeout instead of the failure. Passing suites close what they open (useTestApp).
  forceExit: true,
  // Most suites wait on PostgreSQL, Redis, a browser or a child process more than they compute: on the 2-core CI
  // machine two workers ran the whole suite in 8.4 min against 19 min with jest's default of one (three: 8.1 min).
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // One worker would run in jest's own process ("in band"): every suite's modules then stay on one heap, and at
  // ~215 suites that heap reached Node's 4 GB limit and CI aborted (OOM).
  // A memory limit makes jest use a worker process and start a fresh one whenever a suite leaves it above this.
  workerIdleMemoryLimit: '1536MB',
};
