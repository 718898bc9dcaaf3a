/** The object behind the action's `result` output and the CLI's `--json`: the same in both. Pure. */
import type { Outcome } from '../operations/operate.js'

export function resultObject(outcome: Outcome): object {
  switch (outcome.mode) {
    case 'verify': {
      const { report, live: _live, expected: _expected, registration: _r, ...rest } = outcome
      return { ...rest, ...report }
    }
    case 'restore': {
      // The backup's checks; the failure as cause and recovery.
      const { identity, registration: _r, ...rest } = outcome
      return { ...rest, checks: identity.checks }
    }
    case 'backup': {
      const { report, registration: _r, expected: _e, ...rest } = outcome
      return {
        ...rest,
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
