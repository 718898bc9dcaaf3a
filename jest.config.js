// Jest runs the TypeScript sources as native ES modules (see README, "Development").
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true } }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // Tests that run the bundle or bring up hosts are slow by nature; none asserts wall-clock time.
  testTimeout: 60_000
}
