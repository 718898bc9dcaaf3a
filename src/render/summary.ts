/**
 * The job summary of each mode as HTML, pure: the action writes what these return (action/report.ts).
 * Every value from outside goes through `html`; every cell is closed (an empty one renders broken).
 */
import type { Check, IdentityReport } from '../identity/checks.js'
import type { BackupOutcome } from '../operations/backup.js'
import type { Registration } from '../operations/network.js'
import type { Outcome } from '../operations/operate.js'
import type { ProbeOutcome } from '../operations/probe.js'
import type { RestoreOutcome } from '../operations/restore.js'
import type { StepRecord } from '../operations/steps.js'
import type { VerifyOutcome } from '../operations/verify.js'
import { validatorLine } from '../network/replies.js'
import { html } from './escape.js'
import { restoreVerdict } from './failure.js'

const ICON: Record<Check['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  skip: '➖ skipped',
  warn: '⚠️ warning'
}
const STEP_ICON: Record<StepRecord['status'], string> = { done: '✅', failed: '❌', skipped: '➖' }

/** A table: the first row is the header. Cells are HTML already (values escaped by the caller). */
export function table(header: string[], rows: string[][]): string {
  const tr = (cells: string[], tag: 'th' | 'td') =>
    `<tr>${cells.map(c => `<${tag}>${c === '' ? '—' : c}</${tag}>`).join('')}</tr>`
  return `<table>${tr(header, 'th')}${rows.map(r => tr(r, 'td')).join('')}</table>\n`
}

const heading = (text: string) => `<h2>${text}</h2>\n`
/** An HTML block: Markdown inside it is not interpreted, so a value shaped like a link stays text. */
const paragraph = (inner: string) => `<p>${inner}</p>\n`

/** The summary of any mode's outcome. */
export function summaryOf(outcome: Outcome): string {
  switch (outcome.mode) {
    case 'verify':
      return verifySummary(outcome) + registrationSummary(outcome.registration)
    case 'restore':
      return restoreSummary(outcome) + registrationSummary(outcome.registration)
    case 'backup':
      return backupSummary(outcome) + registrationSummary(outcome.registration)
    case 'probe':
      return probeSummary(outcome)
  }
}

export function verifySummary(outcome: VerifyOutcome): string {
  const title = outcome.live ? 'Backup verification against the live node' : 'Backup verification'
  return heading(html(title)) + checksSummary(outcome.report)
}

/** The checks of a report: a line saying how many failed, one row per check. */
export function checksSummary(report: IdentityReport): string {
  const failed = report.checks.filter(c => c.status === 'fail').length
  const rows = report.checks.map(c => [
    html(c.title),
    ICON[c.status],
    html(c.expected ?? ''),
    html(
      [c.found, c.status !== 'pass' && c.detail ? `(${c.detail})` : undefined]
        .filter(Boolean)
        .join(' ')
    )
  ])
  return (
    paragraph(
      failed === 0
        ? `All checks passed for <code>${html(report.nodeId ?? '?')}</code>.`
        : `${failed} check${failed > 1 ? 's' : ''} failed.`
    ) + table(['Check', 'Result', 'Expected', 'Found'], rows)
  )
}

function stepsTable(steps: StepRecord[]): string {
  return table(
    ['Step', 'Result', 'Duration', 'Detail'],
    steps.map(s => [
      html(s.name),
      `${STEP_ICON[s.status]} ${s.status}`,
      `${(s.ms / 1000).toFixed(2)} s`,
      html(s.detail ?? '')
    ])
  )
}

/** What the node reported before the restore; '(not asked)' when the run never got to ask. */
export function nodeIdBefore(outcome: RestoreOutcome): string {
  return outcome.previousNodeId ?? (outcome.nodeAsked ? '(no answer)' : '(not asked)')
}

export function restoreSummary(outcome: RestoreOutcome): string {
  return (
    heading(`Restore to ${html(outcome.host ?? 'the node host')}`) +
    paragraph(restoreVerdict(outcome, html, s => `<code>${s}</code>`)) +
    stepsTable(outcome.steps) +
    table(
      ['When', 'NodeID'],
      [
        ['before', html(nodeIdBefore(outcome))],
        ['after', html(outcome.nodeId ?? '(not proven)')],
        // What the operator expects (the input), not what the backup gives: they differ when wrong.
        ['expected', html(outcome.expectedNodeId)]
      ]
    )
  )
}

export function backupSummary(outcome: BackupOutcome): string {
  const verdict = outcome.ok
    ? `Took <code>${html(outcome.identity.nodeId)}</code> and stored it ${outcome.stored.kind === 'archive' ? 'encrypted' : 'in a directory'}: <code>${html(outcome.stored.path)}</code>.`
    : `Backup failed: ${html(outcome.cause)}`
  return (
    heading(`Backup of ${html(outcome.host ?? 'the node host')}`) +
    paragraph(verdict) +
    stepsTable(outcome.steps)
  )
}

export function probeSummary(outcome: ProbeOutcome): string {
  const n = outcome.nodes.length
  const matched = outcome.nodes.filter(x => x.match).length
  return (
    heading('Staking port probe') +
    paragraph(`${matched} of ${n} node${n > 1 ? 's' : ''} proved the expected NodeID.`) +
    table(
      ['Node', 'Reachable', 'NodeID', 'Match', 'TLS'],
      outcome.nodes.map(x => [
        html(`${x.host}:${x.port}`),
        x.nodeId ? '✅ yes' : `❌ ${html(x.error ?? 'no')}`,
        html(x.nodeId ?? ''),
        x.match === undefined
          ? ''
          : x.match
            ? '✅ expected'
            : `❌ expected ${html(x.expected ?? '')}`,
        x.tlsMs === undefined ? '' : `${x.tlsMs} ms`
      ])
    )
  )
}

/** A line on what the network said about the NodeID; nothing when it was not asked. */
export function registrationSummary(r: Registration): string {
  const line =
    r.state === 'validator'
      ? `<code>${html(r.validator.nodeId)}</code>: ${html(validatorLine(r.validator))}, registered BLS key <code>${html(r.validator.blsPublicKey ?? 'none')}</code> (${html(r.origin)})`
      : r.state === 'not-validator'
        ? `Not a current validator of the primary network (${html(r.origin)}).`
        : r.state === 'unknown'
          ? `The network could not be asked: ${html(r.why)}`
          : undefined
  return line ? paragraph(`Network: ${line}`) : ''
}
