/** The object behind the action's `result` output and the CLI's `--json`: the same in both. Pure. */
import type { Outcome } from '../operations/operate.js'
import { failureMessage } from './failure.js'

export function resultObject(outcome: Outcome): object {
  switch (outcome.mode) {
    case 'verify': {
      const { report, live: _live, expected: _expected, registration: _r, ...rest } = outcome
      return { ...rest, ...report }
    }
    case 'restore': {
      // The backup's checks; a failure as its cause and recovery, and as `error`, the whole text
      // the step failed with.
      const { identity, registration: _r, ...rest } = outcome
      return { ...rest, ...failed(outcome), checks: identity.checks }
    }
    case 'backup': {
      const { report, registration: _r, expected: _e, ...rest } = outcome
      return {
        ...rest,
        ...failed(outcome),
        ...(rest.ok && rest.stored.kind === 'archive' ? { archive: rest.stored.path } : {}),
        nodeId: report?.nodeId,
        blsPublicKey: report?.blsPublicKey,
        keyType: report?.keyType,
        checks: report?.checks ?? []
      }
    }
    case 'probe':
      return outcome
  }
}

function failed(outcome: Outcome): { error?: string } {
  const error = failureMessage(outcome)
  return error === undefined ? {} : { error }
}
