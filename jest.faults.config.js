// The fault-injection suite (`npm run test:faults`, docs/reliability.md): real processes — API, workers,
// PostgreSQL, a private Redis — killed, cut off and wiped mid-work. Not part of `npm test` (it takes minutes);
// `.ci/run` runs it after the main suite.
const base = require('./jest.config.js');
const integration = base.projects.find((p) => p.displayName === 'integration');
module.exports = {
  projects: [{ ...integration, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault.ts'] }],
  testTimeout: 240000,
  forceExit: true,
};
