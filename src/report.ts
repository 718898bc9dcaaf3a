import * as core from '@actions/core'
import type { Check, IdentityReport } from './identity/inspect.js'
import { resultObject } from './report-object.js'

const ICON: Record<Check['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  skip: '➖ skipped'
}

export function setIdentityOutputs(mode: string, report: IdentityReport): void {
  core.setOutput('node-id', report.nodeId ?? '')
  core.setOutput('bls-public-key', report.blsPublicKey ?? '')
  core.setOutput('proof-of-possession', report.proofOfPossession ?? '')
  core.setOutput('key-type', report.keyType ?? '')
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
    .addHeading(title, 2)
    .addRaw(
      failed === 0
        ? `All checks passed for <code>${report.nodeId ?? '?'}</code>.`
        : `${failed} check${failed > 1 ? 's' : ''} failed.`,
      true
    )
    .addTable([
      [
        { data: 'Check', header: true },
        { data: 'Result', header: true },
        { data: 'Expected', header: true },
        { data: 'Found', header: true }
      ],
      ...rows.map(r => r.map(escapeHtml))
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

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
