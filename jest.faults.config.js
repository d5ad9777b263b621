// The fault-injection suite (`npm run test:faults`, docs/reliability.md): real processes — API, workers,
// PostgreSQL, a private Redis — killed, cut off and wiped mid-work. Not part of `npm test` (it takes minutes);
// `.ci/run` runs it after the main suite.
const base = require('./jest.config.js');
const integration = base.projects.find((p) => p.displayName === 'integration');
module.exports = {
  projects: [{ ...integration, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault.ts'] }],
  // Each fault suite cuts only what is its own (its database's backends, its own cluster and redis-server), so
  // they run side by side: 77 s against 143 s one after another on the 2-core CI machine. (The unhandled
  // "Connection terminated unexpectedly" of 2026-12-07 was the app's, not the neighbours': a pooled connection
  // terminated under a statement, then taken to set another tenant scope — src/database/tenant-connection.ts,
  // test/database/lost-connection.test.ts; the load of a neighbour only made that race likelier.)
  maxWorkers: base.maxWorkers,
  testTimeout: 240000,
  forceExit: true,
};
