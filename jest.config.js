// Jest runs the TypeScript sources as native ES modules (see README, "Development").
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json']
}

// Tests mirror src/: the pure parts' tables, which need neither root nor sshd (npm run test:unit).
const UNIT = [
  'action',
  'archive',
  'cli',
  'identity',
  'network',
  'node',
  'operations',
  'render',
  'settings'
]
  .concat(['transport'])
  .map(dir => `<rootDir>/__tests__/${dir}/**/*.test.ts`)

/** @type {import('jest').Config} */
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: UNIT },
    // The acceptance layer: the built action and CLI, the test node hosts, the project's checks.
    {
      ...common,
      displayName: 'acceptance',
      testMatch: ['<rootDir>/__tests__/*.test.ts', '<rootDir>/__tests__/review/**/*.test.ts']
    }
  ],
  // Test node hosts (test-hosts/): stale ones are swept before the run, all of them after it.
  globalSetup: '<rootDir>/__tests__/support/sweep-hosts.js',
  globalTeardown: '<rootDir>/__tests__/support/sweep-hosts.js',
  // Tests that run the bundle or bring up hosts are slow by nature; none asserts wall-clock time.
  testTimeout: 60_000,
  // Most of the suite waits on test hosts (SSH, node start-up), not on the CPU: three files at a
  // time halve its duration on two cores. Each host is its own namespace and slot, so files do not
  // share state.
  maxWorkers: 3
}
