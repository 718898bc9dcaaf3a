import { STAKING_FILES, type StakingFiles } from '../identity/errors.js'
import {
  failedChecks,
  checkIdentity,
  type Expectations,
  type IdentityReport
} from '../identity/checks.js'
import type { HostTransport } from '../transport/transport.js'
import { errorMessage, fileErrorMessage, type Log } from '../log.js'
import { NodeApi } from '../node/api.js'
import { exportUsers, keystoreAvailability, type KeystoreExport } from '../node/keystore.js'
import { backupRefusal } from '../node/identity-location.js'
import { HostError, NodeHost, openRestoreNotice } from '../node/node-host.js'
import { Steps, type StepRecord } from './steps.js'
import { askRegistration, registeredKey, type Registration } from './network.js'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sealArchive } from '../archive/archive.js'
import type { BackupSettings, BackupStore } from '../settings/modes.js'
import type { Connector } from './connect.js'
import { hideFiles } from './source.js'

/** The identity a backup took, as its checks found it. */
export interface TakenIdentity {
  nodeId: string
  blsPublicKey: string
  keyType: string
}

interface BackupCommon {
  mode: 'backup'
  /** The node host as the transport names it. */
  host?: string
  /** Where the node takes its identity from, and how that was found. */
  identityLocation?: string
  steps: StepRecord[]
  /** The offline checks of the files taken, when they were read. */
  report?: IdentityReport
  /** What the files had to give: the inputs, with the BLS key the P-chain registered. */
  expected: Expectations
  /** What the network said about the NodeID. */
  registration: Registration
}

/** A stored backup says what it holds and where; a failed one says why. Never the files. */
export type BackupOutcome = BackupCommon &
  (
    | {
        ok: true
        report: IdentityReport
        identity: TakenIdentity
        stored: BackupStore
        /** Keystore users exported into the archive. */
        keystoreUsers: string[]
      }
    | { ok: false; cause: string }
  )

/**
 * backup: take the three files off a node, check them offline and against what the node reports,
 * refuse to call them a backup when the two disagree (a node that regenerated its keys, a staking
 * directory the node does not use), and store them: an age archive written 0600, or (CLI) a new
 * directory. The plain files exist only in memory until then.
 */
export async function takeBackup(
  settings: BackupSettings,
  log: Log,
  connector: Connector
): Promise<BackupOutcome> {
  const steps = new Steps(log)
  const base: BackupCommon = {
    mode: 'backup',
    steps: steps.records,
    expected: settings.expected,
    registration: { state: 'not-asked' }
  }
  const connect = connector(settings.host, log)
  let transport: HostTransport | undefined
  try {
    transport = await steps.step('Connect', async note => {
      const t = await connect()
      note(`connected to ${t.label}`)
      return t
    })
    base.host = transport.label
    const host = new NodeHost(transport, settings.host.node)
    const files = await steps.step('Read the files', note => readFiles(host, base, note))
    hideFiles(files, log)
    const expected = await withRegistration(settings, files, steps, base, log)
    base.expected = expected
    const report = await steps.step('Check the files', async note => {
      const { report } = checkIdentity(files, expected)
      base.report = report
      const failed = failedChecks(report)
      if (failed.length || !report.nodeId || !report.blsPublicKey || !report.keyType)
        throw new Error(
          `the files on the host do not pass their checks:\n${failed.map(c => `- ${c.title}: ${c.detail}`).join('\n')}`
        )
      note(`${report.nodeId}, ${report.keyType}, BLS ${report.blsPublicKey}`)
      return {
        ...report,
        nodeId: report.nodeId,
        blsPublicKey: report.blsPublicKey,
        keyType: report.keyType
      }
    })
    const api = new NodeApi(transport, settings.host.apiUrl, log)
    await steps.step('Compare with the live node', note =>
      compareWithNode(api, settings, report, log, note)
    )
    const keystore = await exportKeystore(api, settings, steps)
    const identity: TakenIdentity = {
      nodeId: report.nodeId,
      blsPublicKey: report.blsPublicKey,
      keyType: report.keyType
    }
    await steps.step('Store the backup', async note =>
      note(await store(settings.store, files, identity, base.host ?? 'this machine', keystore))
    )
    return {
      ...base,
      ok: true,
      report,
      identity,
      stored: settings.store,
      keystoreUsers: keystore.map(k => k.username)
    }
  } catch (e) {
    return { ...base, ok: false, cause: errorMessage(e) }
  } finally {
    await transport?.close()
  }
}

/** Keystore users exported with the files (nodes before v1.12.2 with the Keystore API on). */
async function exportKeystore(
  api: NodeApi,
  settings: BackupSettings,
  steps: Steps
): Promise<KeystoreExport[]> {
  const users = settings.keystoreUsers
  if (!users?.length) return []
  return steps.step('Export keystore users', async note => {
    const availability = await keystoreAvailability(api)
    if (!availability.available) {
      note(availability.why)
      return []
    }
    const exported = await exportUsers(api, users)
    note(`exported ${exported.map(k => k.username).join(', ')}`)
    return exported
  })
}

/** Writes the backup; returns what was written, for the step's detail. */
async function store(
  target: BackupStore,
  files: StakingFiles<Uint8Array>,
  identity: TakenIdentity,
  host: string,
  keystore: KeystoreExport[]
): Promise<string> {
  if (target.kind === 'archive') {
    const manifest = { ...identity, takenAt: new Date().toISOString(), host }
    const bytes = await sealArchive(files, manifest, target.recipients, keystore)
    try {
      writeFileSync(target.path, bytes, { mode: 0o600, flag: 'wx' })
    } catch (e) {
      throw new Error(`storing the archive failed: ${fileErrorMessage(e, 'archive-path')}`)
    }
    return `${target.path}: ${bytes.length} bytes, encrypted to ${target.recipients.length} age recipient(s)`
  }
  try {
    mkdirSync(target.path, { recursive: true, mode: 0o700 })
    chmodSync(target.path, 0o700)
    for (const f of STAKING_FILES)
      writeFileSync(join(target.path, f), files[f], { mode: 0o600, flag: 'wx' })
  } catch (e) {
    throw new Error(fileErrorMessage(e, 'cannot write into --out'))
  }
  return `${target.path}/ (directory 0700, files 0600)`
}

/**
 * What the files must give, with the BLS key the P-chain has registered for their NodeID when
 * network-api is given (the NodeID from expected-node-id, or else from the files themselves).
 */
async function withRegistration(
  settings: BackupSettings,
  taken: StakingFiles<Uint8Array>,
  steps: Steps,
  base: BackupCommon,
  log: Log
): Promise<Expectations> {
  const nodeId = settings.expected.nodeId ?? checkIdentity(taken, {}).report.nodeId
  if (!settings.network.apiUrl || !nodeId) return settings.expected
  const registration = await steps.step('Ask the network', async note => {
    const r = await askRegistration(settings.network, nodeId, log)
    note(r.state === 'unknown' ? r.why : `${nodeId}: ${r.state}`)
    return r
  })
  base.registration = registration
  const key = registeredKey(registration)
  return key ? { ...settings.expected, registeredBlsPublicKey: key } : settings.expected
}

/** The three files off the host, after saying where the node keeps them and that no restore is open. */
async function readFiles(
  host: NodeHost,
  outcome: BackupCommon,
  note: (d: string) => void
): Promise<StakingFiles<Uint8Array>> {
  await host.locate()
  outcome.identityLocation = host.locationText
  note(`identity: ${host.locationText}`)
  const notFiles = host.location && backupRefusal(host.location)
  if (notFiles) throw new HostError(notFiles)
  // Said first: a copy taken in the middle of a restore could be a mix of two identities.
  const open = openRestoreNotice(await host.inspectAsNeeded())
  if (open) throw new HostError(`not taken: ${open}`)
  const read = {} as StakingFiles<Uint8Array>
  for (const f of STAKING_FILES) read[f] = await host.readStakingFile(f)
  note(`${STAKING_FILES.join(', ')} read from ${host.stakingDir}`)
  return read
}

/** The files are a backup only if the live node runs them (unless force, with a warning). */
async function compareWithNode(
  api: NodeApi,
  settings: BackupSettings,
  report: TakenIdentity,
  log: Log,
  note: (d: string) => void
): Promise<void> {
  const live = await api.getNodeId()
  if (!live) {
    const msg = `the node's API (${settings.host.apiUrl.href} on the host) does not answer, so these files cannot be shown to be the ones it runs`
    if (!settings.host.force)
      throw new Error(`${msg}. Start the node, or set force to take them anyway.`)
    log.warning(`${msg}; taken anyway (force).`)
    return
  }
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
