// Types for scripts/node24.mjs (imported by the tests and the test hosts).
export function runnerMajor(root?: string): number
export interface FindOptions {
  root?: string
  env?: NodeJS.ProcessEnv
  self?: string
  selfVersion?: string
}
export function findNode24(
  o?: FindOptions
): { path: string; reason?: undefined } | { path?: undefined; reason: string }
