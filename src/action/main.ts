import { connectSsh } from '../transport/ssh.js'
import { localTransport } from '../transport/local.js'
import { errorMessage, fileErrorMessage } from '../log.js'
import { actionLog, failOnCrash, failStep } from './log.js'
import { restore } from '../operations/restore.js'
import { filesAsOnNode, verify } from '../operations/verify.js'
import { verifyOnHost } from '../operations/verify-live.js'
import {
  failureMessage,
  reportBackup,
  reportValidator,
  reportProbe,
  reportRestore,
  setIdentityOutputs,
  writeChecksSummary
} from './report.js'
import {
  maskFiles,
  readBackupSettings,
  readMode,
  readProbeSettings,
  readSettings,
  type BackupSettings,
  type HostSettings,
  type ProbeSettings,
  type Settings
} from './inputs.js'
import { backup } from '../operations/backup.js'
import { sealArchive } from '../archive/archive.js'
import { writeFileSync } from 'node:fs'
import { probe } from '../operations/probe.js'
import { askNetwork, askRegistration, restoreNetworkChecks } from '../operations/network.js'
import type { NetworkSettings } from '../settings/host.js'

/** The action: read the settings, run the mode, report. The only place that fails the step. */
export async function run(): Promise<void> {
  failOnCrash()
  try {
    const mode = readMode()
    if (mode === 'probe' || mode === 'backup') {
      const failure =
        mode === 'probe'
          ? await runProbe(readProbeSettings())
          : await runBackup(readBackupSettings())
      if (failure) failStep(failure)
      return
    }
    const settings = await readSettings()
    const failure =
      settings.mode === 'restore' && settings.host
        ? await runRestore(settings, settings.host)
        : await runVerify(settings)
    if (failure) failStep(failure)
  } catch (e) {
    failStep(errorMessage(e))
  }
}

async function runVerify(settings: Settings): Promise<string | undefined> {
  const host = settings.host
  const { registration, expected } = await askNetwork(
    settings.network,
    settings.expected,
    actionLog
  )
  const report = await verify(
    { files: settings.files, expected, proofOfPossession: true },
    actionLog
  )
  if (host) {
    const live = { connect: connector(host), node: host.node, apiUrl: host.apiUrl }
    await verifyOnHost(report, filesAsOnNode(settings.files), live, actionLog)
  }
  for (const c of report.checks.filter(c => c.status === 'warn')) {
    actionLog.warning(`${c.title}: ${c.detail ?? c.found ?? ''}`)
  }
  setIdentityOutputs(settings.mode, report)
  const title = host ? 'Backup verification against the live node' : 'Backup verification'
  await writeChecksSummary(title, report)
  await reportValidator(registration)
  return report.ok ? undefined : failureMessage(report)
}

async function runRestore(settings: Settings, host: HostSettings): Promise<string | undefined> {
  // A cancelled job (the runner sends SIGINT, then SIGTERM): stop watching, say where the host
  // stands, exit. The restore on the host goes on by itself.
  const cancel = new AbortController()
  const onSignal = () => cancel.abort()
  const { registration, expected } = await askNetwork(
    settings.network,
    settings.expected,
    actionLog
  )
  const network = restoreNetworkChecks(settings.network, host.target, actionLog)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const outcome = await restore(
    {
      files: settings.files,
      expected,
      ...(network ? { network } : {}),
      connect: connector(host),
      host: host.node,
      apiUrl: host.apiUrl,
      waitTimeoutMs: host.waitTimeoutMs,
      force: host.force,
      lockWaitSeconds: 60,
      ...(settings.keystore ? { keystore: settings.keystore } : {}),
      signal: cancel.signal
    },
    actionLog
  ).finally(() => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  })
  await reportRestore(outcome)
  await reportValidator(registration)
  return outcome.ok ? undefined : outcome.error
}

function connector(host: HostSettings) {
  const target = host.target
  return () =>
    target.kind === 'ssh' ? connectSsh(target.ssh, actionLog) : Promise.resolve(localTransport())
}

async function runProbe(settings: ProbeSettings): Promise<string | undefined> {
  const report = await probe(settings.targets, settings.timeoutMs, actionLog)
  await reportProbe(report)
  const bad = report.nodes.filter(n => !n.nodeId || n.match === false)
  return bad.length === 0
    ? undefined
    : [
        `${bad.length} of ${report.nodes.length} node${report.nodes.length > 1 ? 's' : ''} did not prove the expected NodeID:`,
        ...bad.map(
          n =>
            `- ${n.host}:${n.port}: ${n.nodeId ? `reports ${n.nodeId}, expected ${n.expected}` : n.error}`
        )
      ].join('\n')
}

/** backup asks once it knows the NodeID (from the files when expected-node-id is not given). */
function registrationFor(network: NetworkSettings) {
  return (nodeId: string) => askRegistration(network, nodeId, actionLog)
}

/**
 * Take a backup and store it encrypted: the plain files exist only in memory; what reaches the
 * runner's disk is the age archive, written 0600, never over an existing file.
 */
async function runBackup(settings: BackupSettings): Promise<string | undefined> {
  const outcome = await backup(
    {
      connect: connector(settings.host),
      node: settings.host.node,
      apiUrl: settings.host.apiUrl,
      expected: settings.expected,
      ...(settings.network.apiUrl ? { registration: registrationFor(settings.network) } : {}),
      force: settings.host.force,
      ...(settings.keystoreUsers ? { keystoreUsers: settings.keystoreUsers } : {})
    },
    actionLog
  )
  let archive: string | undefined
  if (outcome.ok && outcome.files && outcome.report) {
    maskFiles(outcome.files)
    const r = outcome.report
    const sealed = await actionLog
      .group('Store the archive', async () => {
        const bytes = await sealArchive(
          outcome.files!,
          {
            nodeId: r.nodeId!,
            blsPublicKey: r.blsPublicKey!,
            keyType: r.keyType!,
            takenAt: new Date().toISOString(),
            host: outcome.host ?? 'this machine'
          },
          settings.recipients,
          outcome.keystore
        )
        writeFileSync(settings.archivePath, bytes, { mode: 0o600, flag: 'wx' })
        actionLog.info(
          `${settings.archivePath}: ${bytes.length} bytes, encrypted to ${settings.recipients.length} age recipient(s)`
        )
        return settings.archivePath
      })
      .catch((e: unknown) => {
        outcome.ok = false
        outcome.error = `storing the archive failed: ${fileErrorMessage(e, 'archive-path')}`
        return undefined
      })
    archive = sealed
  }
  await reportBackup(outcome, archive)
  await reportValidator(outcome.registration ?? { state: 'not-asked' })
  return outcome.ok ? undefined : `Backup failed: ${outcome.error}`
}
