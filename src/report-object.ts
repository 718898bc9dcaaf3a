import type { IdentityReport } from './identity/inspect.js'

/** The object behind the action's `result` output and the CLI's `--json`: the same in both. */
export function resultObject(mode: string, report: IdentityReport): object {
  return { mode, ...report }
}
