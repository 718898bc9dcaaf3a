/**
 * What the CLI prints for a person, pure: lines for standard output, none holding a line break of
 * its own. The CLI shows each through `terminalValue`, so a value from outside (a node's answer)
 * stays on its line and cannot move the cursor or start a workflow command.
 */
import type { BackupOutcome } from '../operations/backup.js'
import type { Outcome } from '../operations/operate.js'
import type { RestoreOutcome } from '../operations/restore.js'
import type { VerifyOutcome } from '../operations/verify.js'
import { validatorLine } from '../network/replies.js'
import { join } from 'node:path/posix'
import { nodeIdBefore } from './summary.js'
import { restoreVerdict } from './failure.js'

export function textOf(outcome: Outcome): string[] {
  switch (outcome.mode) {
    case 'verify':
      return verifyText(outcome)
    case 'restore':
      return restoreText(outcome)
    case 'backup':
      return backupText(outcome)
    case 'probe':
      // One line per node that answered, in the order given; the others are in the failure text.
      return outcome.nodes.flatMap(n => (n.nodeId ? [n.nodeId] : []))
  }
}

const row = (name: string, value: string) => `${name.padEnd(20)} ${value}`

export function verifyText(o: VerifyOutcome): string[] {
  const r = o.report
  const failed = r.checks.filter(c => c.status === 'fail').length
  return [
    '',
    ...(r.nodeId ? [row('NodeID', r.nodeId)] : []),
    ...(r.keyType ? [row('Key type', r.keyType)] : []),
    ...(r.blsPublicKey ? [row('BLS public key', r.blsPublicKey)] : []),
    ...(r.proofOfPossession ? [row('Proof of possession', r.proofOfPossession)] : []),
    '',
    failed ? `${failed} check${failed > 1 ? 's' : ''} failed.` : 'All checks passed.'
  ]
}

/** The restore's end: NodeIDs, the host as measured, where the previous files are. */
export function restoreText(o: RestoreOutcome): string[] {
  const r = o.registration
  return [
    '',
    row('NodeID before', nodeIdBefore(o)),
    row('NodeID after', o.nodeId ?? '(not proven)'),
    row('NodeID expected', o.expectedNodeId),
    row('Host state', o.hostState),
    ...(o.previousFiles ? [row('Previous files', o.previousFiles)] : []),
    ...(o.downtimeMs !== undefined
      ? [row('Downtime', `${(o.downtimeMs / 1000).toFixed(2)} s`)]
      : []),
    ...(r.state === 'validator' ? [row('P-chain', validatorLine(r.validator))] : []),
    ...(o.ok ? ['', restoreVerdict(o, s => s)] : [])
  ]
}

/** Where the backup went, and for a directory the commands that put it into repository secrets. */
export function backupText(o: BackupOutcome): string[] {
  if (!o.ok) return []
  const { nodeId, keyType, blsPublicKey } = o.identity
  const at = o.stored.path
  if (o.stored.kind === 'archive')
    return [
      '',
      `${nodeId} stored in ${at}, encrypted to ${o.stored.recipients.length} age recipient(s).`,
      `Open it with: age -d -i KEY ${at} | tar x`
    ]
  return [
    '',
    `${nodeId} (${keyType}) stored in ${at}/ (directory 0700, files 0600).`,
    'Put it into repository secrets (add --env NAME for an environment):',
    '',
    `  gh secret set STAKER_CRT < ${join(at, 'staker.crt')}`,
    `  gh secret set STAKER_KEY < ${join(at, 'staker.key')}`,
    `  base64 -w0 ${join(at, 'signer.key')} | gh secret set SIGNER_KEY`,
    '',
    `and use expected-node-id: ${nodeId}, expected-bls-public-key: ${blsPublicKey}`
  ]
}
