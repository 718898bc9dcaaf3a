import type { IdentityReport } from './identity/inspect.js'
import type { RestoreOutcome } from './modes/restore.js'

/** The object behind the action's `result` output and the CLI's `--json`: the same in both. */
export function resultObject(mode: string, report: IdentityReport): object {
  return { mode, ...report }
}

/** The `result` output of a restore (and `restore --json`): the outcome, with the backup's checks. */
export function restoreResult(outcome: RestoreOutcome): object {
  const { identity, ...rest } = outcome
  return { mode: 'restore', ...rest, checks: identity.checks }
}
