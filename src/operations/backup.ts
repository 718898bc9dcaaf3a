import { STAKING_FILES, type StakingFile } from '../identity/errors.js'
import {
  failedChecks,
  inspectIdentity,
  type Expectations,
  type IdentityFiles,
  type IdentityReport
} from '../identity/checks.js'
import type { HostTransport } from '../transport/transport.js'
import { errorMessage, type Log } from '../log.js'
import { NodeApi, type NodeIdAnswer } from '../node/api.js'
import {
  exportUsers,
  keystoreAvailability,
  type KeystoreCredential,
  type KeystoreExport
} from '../node/keystore.js'
import { backupRefusal } from '../node/identity-location.js'
import { HostError, NodeHost, openRestoreNotice, type NodeHostSettings } from '../node/node-host.js'
import { Steps, type StepRecord } from './steps.js'
import { registeredKey, type Registration } from './network.js'

export interface BackupRequest {
  connect: () => Promise<HostTransport>
  node: NodeHostSettings
  apiUrl: URL
  /** What the files must give, when known (a first backup may not know it yet). */
  expected: Expectations
  /** Take the files even when the node does not answer (never when it answers with another identity). */
  force: boolean
  /** Keystore users to export with the files (nodes before v1.12.2 with the Keystore API on). */
  keystoreUsers?: KeystoreCredential[]
  /** Asks the network about the NodeID (network-api): its registered BLS key is expected too. */
  registration?: (nodeId: string) => Promise<Registration>
}

export interface BackupOutcome {
  ok: boolean
  /** The offline checks of the files taken, then the comparison with the live node. */
  report?: IdentityReport
  /** The files as read from the host; only when ok. */
  files?: Record<StakingFile, Uint8Array>
  live?: NodeIdAnswer
  /** The keystore users exported, to go into the archive. */
  keystore?: KeystoreExport[]
  host?: string
  /** Where the node takes its identity from, and how that was found. */
  identityLocation?: string
  steps: StepRecord[]
  error?: string
  /** What the network said about the NodeID, when asked. */
  registration?: Registration
}

/**
 * What the files must give, with the BLS key the P-chain has registered for their NodeID when
 * network-api is given (the NodeID from expected-node-id, or else from the files themselves).
 */
async function withRegistration(
  req: BackupRequest,
  taken: IdentityFiles,
  steps: Steps,
  outcome: BackupOutcome
): Promise<Expectations> {
  const ask = req.registration
  const nodeId = req.expected.nodeId ?? inspectIdentity(taken, {}).report.nodeId
  if (!ask || !nodeId) return req.expected
  const registration = await steps.step('Ask the network', async note => {
    const r = await ask(nodeId)
    note(r.state === 'unknown' ? r.why : `${nodeId}: ${r.state}`)
    return r
  })
  outcome.registration = registration
  const key = registeredKey(registration)
  return key ? { ...req.expected, registeredBlsPublicKey: key } : req.expected
}

/**
 * Take the three files off a node, check them offline and against what the node reports, and
 * refuse to call them a backup when the two disagree (a node that regenerated its keys, a staking
 * directory the node does not use). Storing them is the caller's: encrypted, or for a person.
 */
export async function backup(req: BackupRequest, log: Log): Promise<BackupOutcome> {
  const steps = new Steps(log)
  const outcome: BackupOutcome = { ok: false, steps: steps.records }
  let transport: HostTransport | undefined
  try {
    transport = await steps.step('Connect', async note => {
      const t = await req.connect()
      note(`connected to ${t.label}`)
      return t
    })
    outcome.host = transport.label
    const host = new NodeHost(transport, req.node)
    const files = await steps.step('Read the files', note => readFiles(host, outcome, note))
    const taken = {
      crt: files['staker.crt'],
      key: files['staker.key'],
      signer: files['signer.key']
    }
    const expected = await withRegistration(req, taken, steps, outcome)
    const report = await steps.step('Check the files', async note => {
      const { report } = inspectIdentity(taken, expected)
      outcome.report = report
      const failed = failedChecks(report)
      if (failed.length)
        throw new Error(
          `the files on the host do not pass their checks:\n${failed.map(c => `- ${c.title}: ${c.detail}`).join('\n')}`
        )
      note(`${report.nodeId}, ${report.keyType}, BLS ${report.blsPublicKey}`)
      return report
    })
    await steps.step('Compare with the live node', note =>
      compareWithNode(new NodeApi(transport!, req.apiUrl, log), req, report, outcome, log, note)
    )
    if (req.keystoreUsers?.length) {
      await steps.step('Export keystore users', async note => {
        const api = new NodeApi(transport!, req.apiUrl, log)
        const availability = await keystoreAvailability(api)
        if (!availability.available) return note(availability.why)
        outcome.keystore = await exportUsers(api, req.keystoreUsers!)
        note(`exported ${outcome.keystore.map(k => k.username).join(', ')}`)
      })
    }
    Object.assign(outcome, { ok: true, files })
  } catch (e) {
    outcome.error = errorMessage(e)
  } finally {
    await transport?.close()
  }
  return outcome
}

/** The three files off the host, after saying where the node keeps them and that no restore is open. */
async function readFiles(
  host: NodeHost,
  outcome: BackupOutcome,
  note: (d: string) => void
): Promise<Record<StakingFile, Uint8Array>> {
  await host.probe()
  outcome.identityLocation = host.locationText
  note(`identity: ${host.locationText}`)
  const notFiles = host.location && backupRefusal(host.location)
  if (notFiles) throw new HostError(notFiles)
  // Said first: a copy taken in the middle of a restore could be a mix of two identities.
  const open = openRestoreNotice(await host.inspectAsNeeded())
  if (open) throw new HostError(`not taken: ${open}`)
  const read = {} as Record<StakingFile, Uint8Array>
  for (const f of STAKING_FILES) read[f] = await host.readStakingFile(f)
  note(`${STAKING_FILES.join(', ')} read from ${host.stakingDir}`)
  return read
}

/** The files are a backup only if the live node runs them (unless force, with a warning). */
async function compareWithNode(
  api: NodeApi,
  req: BackupRequest,
  report: IdentityReport,
  outcome: BackupOutcome,
  log: Log,
  note: (d: string) => void
): Promise<void> {
  const live = await api.getNodeId()
  if (!live) {
    const msg = `the node's API (${req.apiUrl.href} on the host) does not answer, so these files cannot be shown to be the ones it runs`
    if (!req.force) throw new Error(`${msg}. Start the node, or set force to take them anyway.`)
    log.warning(`${msg}; taken anyway (force).`)
    return
  }
  outcome.live = live
  const disagreements = [
    live.nodeID !== report.nodeId
      ? `the node reports NodeID ${live.nodeID}, the files give ${report.nodeId}`
      : '',
    live.nodePOP && live.nodePOP.publicKey !== report.blsPublicKey
      ? `the node reports BLS key ${live.nodePOP.publicKey}, signer.key gives ${report.blsPublicKey}`
      : ''
  ].filter(Boolean)
  if (disagreements.length)
    throw new Error(
      `not a good backup: ${disagreements.join('; ')}. The node may have regenerated its keys, or run from another staking directory. Nothing was stored.`
    )
  if (!live.nodePOP)
    log.warning('the node does not report nodePOP (before v1.8.6): only the NodeID was compared.')
  note(`the node runs these files: ${live.nodeID}`)
}
