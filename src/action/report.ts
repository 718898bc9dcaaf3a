import * as core from '@actions/core'
import type { Check, IdentityReport } from '../identity/checks.js'
import { backupResult, probeResult, restoreResult, resultObject } from '../render/result.js'
import type { BackupOutcome } from '../operations/backup.js'
import type { ProbeReport } from '../operations/probe.js'
import type { RestoreOutcome } from '../operations/restore.js'
import { html } from '../render/escape.js'
import type { Registration } from '../operations/network.js'
import { validatorJson, validatorLine } from '../network/replies.js'

const ICON: Record<Check['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  skip: '➖ skipped',
  warn: '⚠️ warning'
}

export function setIdentityOutputs(mode: string, report: IdentityReport): void {
  core.setOutput('node-id', report.nodeId ?? '')
  core.setOutput('bls-public-key', report.blsPublicKey ?? '')
  core.setOutput('proof-of-possession', report.proofOfPossession ?? '')
  core.setOutput('key-type', report.keyType ?? '')
  core.setOutput(
    'identity-location',
    report.checks.find(c => c.id === 'identity-location')?.found ?? ''
  )
  core.setOutput('result', JSON.stringify(resultObject(mode, report)))
}

export async function writeChecksSummary(title: string, report: IdentityReport): Promise<void> {
  const failed = report.checks.filter(c => c.status === 'fail').length
  // An empty cell renders as a broken one in the summary's table: show a dash instead.
  const rows = report.checks.map(c => [
    c.title,
    ICON[c.status],
    c.expected ?? '—',
    [c.found, c.status !== 'pass' && c.detail ? `(${c.detail})` : undefined]
      .filter(Boolean)
      .join(' ') || '—'
  ])
  await core.summary
    .addHeading(html(title), 2)
    .addRaw(
      failed === 0
        ? paragraph(`All checks passed for <code>${html(report.nodeId ?? '?')}</code>.`)
        : paragraph(`${failed} check${failed > 1 ? 's' : ''} failed.`),
      true
    )
    .addTable([
      [
        { data: 'Check', header: true },
        { data: 'Result', header: true },
        { data: 'Expected', header: true },
        { data: 'Found', header: true }
      ],
      ...rows.map(r => r.map(html))
    ])
    .write()
}

/** The one failure message: each failed check by name, with what was wrong. */
export function failureMessage(report: IdentityReport): string {
  const failed = report.checks.filter(c => c.status === 'fail')
  return [
    `${failed.length} check${failed.length > 1 ? 's' : ''} failed:`,
    ...failed.map(c => `- ${c.title}: ${c.detail ?? 'failed'}`)
  ].join('\n')
}

/**
 * A NodeID or BLS key the node reported, for an output of its own: workflows put outputs into
 * scripts (`run: echo ${{ steps.x.outputs.previous-node-id }}`), so a value that is not shaped
 * like one is left out (it stays, JSON-encoded, in the result output and in the summary).
 */
function asNodeId(v: string | undefined): string {
  return v && /^NodeID-[1-9A-HJ-NP-Za-km-z]{1,60}$/.test(v) ? v : ''
}

function asBlsKey(v: string | undefined): string {
  return v && /^0x[0-9a-f]{96}$/.test(v) ? v : ''
}

/**
 * A paragraph of the summary as an HTML block: Markdown inside it is not interpreted, so a value
 * shaped like a link or an image stays text.
 */
function paragraph(inner: string): string {
  return `<p>${inner}</p>`
}

/** Outputs and the job summary of a restore: the story as a table of steps, NodeIDs before and after. */
export async function reportRestore(outcome: RestoreOutcome): Promise<void> {
  core.setOutput('node-id', asNodeId(outcome.nodeId))
  core.setOutput('bls-public-key', asBlsKey(outcome.blsPublicKey))
  core.setOutput('proof-of-possession', '')
  core.setOutput('key-type', outcome.identity.keyType ?? '')
  core.setOutput('previous-node-id', asNodeId(outcome.previousNodeId))
  core.setOutput('previous-files', outcome.previousFiles ?? '')
  core.setOutput('downtime-ms', outcome.downtimeMs === undefined ? '' : String(outcome.downtimeMs))
  core.setOutput('host-state', outcome.hostState)
  core.setOutput('identity-location', outcome.identityLocation ?? '')
  core.setOutput('result', JSON.stringify(restoreResult(outcome)))
  const icon = { done: '✅', failed: '❌', skipped: '➖' } as const
  const nodeId = html(outcome.nodeId ?? '')
  const verdict = outcome.ok
    ? outcome.changed
      ? `Restored: the node reports <code>${nodeId}</code>${outcome.downtimeMs !== undefined ? ` after ${(outcome.downtimeMs / 1000).toFixed(1)} s of downtime` : ''}.`
      : `Nothing to do: the host already runs <code>${nodeId}</code> from these files.`
    : `Restore failed: ${html(outcome.error?.replace(/^Restore failed: /, '') ?? 'see the steps below')}`
  await core.summary
    .addHeading(`Restore to ${html(outcome.host ?? 'the node host')}`, 2)
    .addRaw(paragraph(verdict), true)
    .addTable([
      [
        { data: 'Step', header: true },
        { data: 'Result', header: true },
        { data: 'Duration', header: true },
        { data: 'Detail', header: true }
      ],
      ...outcome.steps.map(s => [
        html(s.name),
        `${icon[s.status]} ${s.status}`,
        `${(s.ms / 1000).toFixed(2)} s`,
        html(s.detail ?? '—')
      ])
    ])
    .addTable([
      [
        // An empty header cell renders as a broken one in the summary: every cell says something.
        { data: 'When', header: true },
        { data: 'NodeID', header: true }
      ],
      [
        'before',
        html(outcome.previousNodeId ?? (outcome.nodeAsked ? '(no answer)' : '(not asked)'))
      ],
      ['after', html(outcome.nodeId ?? '(not proven)')],
      // What the operator expects (the input), not what the backup gives: they differ when wrong.
      ['expected', html(outcome.expectedNodeId ?? '—')]
    ])
    .write()
}

/** Outputs and the job summary of a probe: one row per node. */
export async function reportProbe(report: ProbeReport): Promise<void> {
  core.setOutput('node-id', report.nodes.length === 1 ? (report.nodes[0]!.nodeId ?? '') : '')
  core.setOutput('result', JSON.stringify(probeResult(report)))
  const matched = report.nodes.filter(n => n.match).length
  await core.summary
    .addHeading('Staking port probe', 2)
    .addRaw(
      paragraph(
        `${matched} of ${report.nodes.length} node${report.nodes.length > 1 ? 's' : ''} proved the expected NodeID.`
      ),
      true
    )
    .addTable([
      ['Node', 'Reachable', 'NodeID', 'Match', 'TLS'].map(data => ({ data, header: true })),
      ...report.nodes.map(n => [
        html(`${n.host}:${n.port}`),
        n.nodeId ? '✅ yes' : `❌ ${html(n.error ?? 'no')}`,
        html(n.nodeId ?? '—'),
        n.match === undefined
          ? '—'
          : n.match
            ? '✅ expected'
            : `❌ expected ${html(n.expected ?? '')}`,
        n.tlsMs === undefined ? '—' : `${n.tlsMs} ms`
      ])
    ])
    .write()
}

/** Outputs and the job summary of a backup. The archive path is the only thing it points to. */
export async function reportBackup(
  outcome: BackupOutcome,
  archive: string | undefined
): Promise<void> {
  const r = outcome.report
  core.setOutput('node-id', outcome.ok ? (r?.nodeId ?? '') : '')
  core.setOutput('bls-public-key', outcome.ok ? (r?.blsPublicKey ?? '') : '')
  core.setOutput('key-type', r?.keyType ?? '')
  core.setOutput('archive', archive ?? '')
  core.setOutput('identity-location', outcome.identityLocation ?? '')
  core.setOutput('result', JSON.stringify(backupResult(outcome, archive)))
  const icon = { done: '✅', failed: '❌', skipped: '➖' } as const
  await core.summary
    .addHeading(`Backup of ${html(outcome.host ?? 'the node host')}`, 2)
    .addRaw(
      paragraph(
        outcome.ok && archive
          ? `Took <code>${html(r?.nodeId ?? '')}</code> and stored it encrypted: <code>${html(archive)}</code>.`
          : `Backup failed: ${html(outcome.error ?? '')}`
      ),
      true
    )
    .addTable([
      ['Step', 'Result', 'Duration', 'Detail'].map(data => ({ data, header: true })),
      ...outcome.steps.map(s => [
        html(s.name),
        `${icon[s.status]} ${s.status}`,
        `${(s.ms / 1000).toFixed(2)} s`,
        html(s.detail ?? '—')
      ])
    ])
    .write()
}

/**
 * The `validator` output (JSON: registered BLS key, start and end time, weight, uptime, connected;
 * empty when the NodeID is not a current validator or the network was not asked) and a line in the
 * job summary.
 */
export async function reportValidator(r: Registration): Promise<void> {
  core.setOutput(
    'validator',
    r.state === 'validator' ? JSON.stringify(validatorJson(r.validator)) : ''
  )
  const line =
    r.state === 'validator'
      ? `<code>${html(r.validator.nodeId)}</code>: ${html(validatorLine(r.validator))}, registered BLS key <code>${html(r.validator.blsPublicKey ?? 'none')}</code> (${html(r.origin)})`
      : r.state === 'not-validator'
        ? `Not a current validator of the primary network (${html(r.origin)}).`
        : r.state === 'unknown'
          ? `The network could not be asked: ${html(r.why)}`
          : undefined
  if (line) await core.summary.addRaw(paragraph(`Network: ${line}`), true).write()
}
