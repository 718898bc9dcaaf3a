import type { IdentityReport } from '../identity/checks.js'
import type { RestoreOutcome } from '../operations/restore.js'
import type { ProbeReport } from '../operations/probe.js'
import type { BackupOutcome } from '../operations/backup.js'

/** The object behind the action's `result` output and the CLI's `--json`: the same in both. */
export function resultObject(mode: string, report: IdentityReport): object {
  return { mode, ...report }
}

/** The `result` output of a restore (and `restore --json`): the outcome, with the backup's checks. */
export function restoreResult(outcome: RestoreOutcome): object {
  const { identity, ...rest } = outcome
  return { mode: 'restore', ...rest, checks: identity.checks }
}

/** The `result` output of a probe (and `probe --json`). */
export function probeResult(report: ProbeReport): object {
  return { mode: 'probe', ...report }
}

/** The `result` output of a backup: the steps and checks, never the files. */
export function backupResult(outcome: BackupOutcome, archive?: string): object {
  const { files: _files, report, ...rest } = outcome
  return {
    mode: 'backup',
    ...rest,
    ...(archive ? { archive } : {}),
    nodeId: report?.nodeId,
    blsPublicKey: report?.blsPublicKey,
    keyType: report?.keyType,
    checks: report?.checks ?? []
  }
}
