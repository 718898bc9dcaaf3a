/** The one failure text of each mode, the same in the action (setFailed) and the CLI (stderr). Pure. */
import type { IdentityReport } from '../identity/checks.js'
import type { Outcome } from '../operations/operate.js'
import type { ProbeOutcome } from '../operations/probe.js'
import type { RestoreOutcome } from '../operations/restore.js'

/** undefined when the outcome is ok. */
export function failureMessage(outcome: Outcome): string | undefined {
  if (outcome.ok) return undefined
  switch (outcome.mode) {
    case 'verify':
      return failedChecks(outcome.report)
    case 'restore':
      return `Restore failed: ${outcome.cause}${outcome.recovery ? `\n${outcome.recovery}` : ''}`
    case 'backup':
      return `Backup failed: ${outcome.cause}`
    case 'probe':
      return probeFailure(outcome)
  }
}

/** Each failed check by name, with what was wrong. */
export function failedChecks(report: IdentityReport): string {
  const failed = report.checks.filter(c => c.status === 'fail')
  return [
    `${failed.length} check${failed.length > 1 ? 's' : ''} failed:`,
    ...failed.map(c => `- ${c.title}: ${c.detail ?? 'failed'}`)
  ].join('\n')
}

function probeFailure(outcome: ProbeOutcome): string {
  const bad = outcome.nodes.filter(n => !n.nodeId || n.match === false)
  const n = outcome.nodes.length
  return [
    `${bad.length} of ${n} node${n > 1 ? 's' : ''} did not prove the expected NodeID:`,
    ...bad.map(
      x =>
        `- ${x.host}:${x.port}: ${x.nodeId ? `reports ${x.nodeId}, expected ${x.expected}` : x.error}`
    )
  ].join('\n')
}

/**
 * One sentence on how a restore ended. `value` renders a value from outside (escaping it for
 * where it goes), `code` marks a NodeID up.
 */
export function restoreVerdict(
  o: RestoreOutcome,
  value: (s: string) => string,
  code: (s: string) => string = s => s
): string {
  if (!o.ok) return `Restore failed: ${value(o.cause)}`
  const nodeId = code(value(o.nodeId ?? ''))
  if (!o.changed) return `Nothing to do: the host already runs ${nodeId} from these files.`
  const downtime =
    o.downtimeMs !== undefined ? ` after ${(o.downtimeMs / 1000).toFixed(1)} s of downtime` : ''
  return `Restored: the node reports ${nodeId}${downtime}.`
}
