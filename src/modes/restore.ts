import { randomBytes } from 'node:crypto'
import { STAKING_FILES, type StakingFile } from '../identity/errors.js'
import {
  failedChecks,
  inspectIdentity,
  type Expectations,
  type IdentityFiles,
  type IdentityReport
} from '../identity/inspect.js'
import { ConnectionLost, type Held, type HostTransport } from '../host/transport.js'
import { errorMessage, type Log } from '../log.js'
import { NodeApi, type NodeIdAnswer } from '../node/api.js'
import {
  importUsers,
  keystoreAvailability,
  type KeystoreCredential,
  type KeystoreExport
} from '../node/keystore.js'
import { NodeHost, sha256Hex, type HostFacts, type NodeHostSettings } from '../node/node-host.js'
import { Timeline, type StepRecord } from './timeline.js'

export interface RestoreRequest {
  files: IdentityFiles
  expected: Expectations
  /** Opens the transport; called again to reconnect after a lost connection. */
  connect: () => Promise<HostTransport>
  host: NodeHostSettings
  /** The node's API as seen on the host. */
  apiUrl: URL
  waitTimeoutMs: number
  force: boolean
  lockWaitSeconds: number
  /** Keystore users from a backup archive, imported once the NodeID is proven (old nodes only). */
  keystore?: { exports: KeystoreExport[]; users: KeystoreCredential[] }
}

export interface RestoreOutcome {
  ok: boolean
  identity: IdentityReport
  /** Files were swapped and the node restarted (false when the host already ran the backup). */
  changed: boolean
  nodeId?: string
  blsPublicKey?: string
  previousNodeId?: string
  previousFiles?: string
  downtimeMs?: number
  host?: string
  steps: StepRecord[]
  error?: string
}

const RECONNECT_FOR_MS = 30_000

/**
 * Restore to a host: check the backup, look at the host, upload under temporary names, stop the
 * node, keep the current files and swap the new ones in, start the node and prove it reports the
 * expected NodeID and BLS key. Any failure after the stop puts the previous files back.
 */
export async function restore(req: RestoreRequest, log: Log): Promise<RestoreOutcome> {
  const timeline = new Timeline(log)
  const runId = `${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`
  const { report, parsed } = inspectIdentity(req.files, req.expected)
  const outcome: RestoreOutcome = {
    ok: false,
    identity: report,
    changed: false,
    steps: timeline.steps
  }
  const failed = failedChecks(report)
  if (
    failed.length ||
    !parsed.certificate ||
    !parsed.key ||
    !req.files.signer ||
    req.files.signer instanceof Error
  ) {
    timeline.skipped('Check the backup', failed.map(c => c.detail).join('; '))
    timeline.steps[0]!.status = 'failed'
    outcome.error = `The backup does not pass its checks; nothing on the host was touched:\n${failed.map(c => `- ${c.title}: ${c.detail}`).join('\n')}`
    return outcome
  }
  timeline.steps.push({
    name: 'Check the backup',
    status: 'done',
    ms: 0,
    detail: `${report.nodeId}, ${report.keyType}`
  })
  const want = { nodeId: report.nodeId!, bls: report.blsPublicKey! }
  const bytes: Record<StakingFile, Uint8Array> = {
    'staker.crt': parsed.certificate.pem,
    'staker.key': parsed.key.pem,
    'signer.key': req.files.signer
  }

  let transport: HostTransport
  try {
    transport = await timeline.step('Connect', async note => {
      const t = await req.connect()
      note(`connected to ${t.label}`)
      return t
    })
  } catch (e) {
    outcome.error = `${errorMessage(e)}\nNothing on the host was changed.`
    return outcome
  }
  outcome.host = transport.label
  const host = new NodeHost(transport, req.host)
  let nodeApi = new NodeApi(host.transport, req.apiUrl, log)
  // One API client per connection (it remembers whether forwarding works there).
  const api = () =>
    nodeApi.transport === host.transport
      ? nodeApi
      : (nodeApi = new NodeApi(host.transport, req.apiUrl, log))
  let lock: Held | undefined
  let stoppedAt: number | undefined
  try {
    const { facts, current } = await timeline.step('Look at the host', async note => {
      await host.probe()
      let facts = await host.inspect()
      await host.checkPermissions()
      const waitStarted = performance.now()
      lock = await host.lock(req.lockWaitSeconds)
      if (!lock)
        log.warning(
          `flock is not installed on ${transport.label}: two restores at once would not be stopped.`
        )
      // Another restore held the lock: what it did is what we must look at.
      if (performance.now() - waitStarted > 250) facts = await host.inspect()
      const current = await api().getNodeId()
      note(describeHost(facts, current))
      return { facts, current }
    })
    outcome.previousNodeId = current?.nodeID

    if (alreadyRestored(facts, bytes, current, want) && !req.force) {
      timeline.skipped(
        'Restore',
        'the host already has these files and the node reports the expected identity; nothing to do (force: true restarts anyway)'
      )
      log.info(
        `${transport.label} already runs ${want.nodeId} from byte-identical files: no restart.`
      )
      Object.assign(outcome, {
        ok: true,
        nodeId: current!.nodeID,
        blsPublicKey: current!.nodePOP?.publicKey ?? want.bls
      })
      await importKeystore()
      return outcome
    }

    await timeline.step('Upload', async note => {
      if (!facts.dirExists) await host.makeStakingDir()
      try {
        await Promise.all(STAKING_FILES.map(f => host.upload(f, bytes[f], runId)))
      } catch (e) {
        await reconnectIfLost(e)
          .then(() => host.removeTemp(runId))
          .catch(() => undefined)
        throw e
      }
      note(
        `3 files written to ${host.stakingDir}/.*.restore-${runId} (0400, owner ${facts.nodeUser}), sha256 verified on the host`
      )
    })

    const previous = `${host.stakingDir}.previous-${runId}`
    stoppedAt = performance.now()
    try {
      await timeline.step('Stop the node', async () => host.stopNode())
      await timeline.step('Swap the files', async note => {
        await host.swap(previous, runId)
        outcome.previousFiles = previous
        note(`previous files kept in ${previous}`)
      })
      await timeline.step('Start the node', async () => host.startNode())
      const answer = await timeline.step('Check the NodeID', async note => {
        const a = await waitForNode(api, req.waitTimeoutMs, want.nodeId)
        prove(a, want, log)
        note(`${a.nodeID}${a.nodePOP ? `, BLS ${a.nodePOP.publicKey}` : ''}`)
        return a
      })
      outcome.downtimeMs = Math.round(performance.now() - stoppedAt)
      Object.assign(outcome, {
        ok: true,
        changed: true,
        nodeId: answer.nodeID,
        blsPublicKey: answer.nodePOP?.publicKey ?? want.bls
      })
    } catch (e) {
      outcome.changed = outcome.previousFiles !== undefined
      await rollBack(e, previous, runId)
      return outcome
    }
    await importKeystore()
    return outcome
  } catch (e) {
    outcome.error ??= errorMessage(e)
    return outcome
  } finally {
    await lock?.release().catch(() => undefined)
    await host.transport.close()
  }

  /** After the identity is proven: the keystore users of the archive, if any (never rolled back for). */
  async function importKeystore(): Promise<void> {
    const ks = req.keystore
    if (!ks?.exports.length) return
    await timeline
      .step('Import keystore users', async note => {
        const availability = await keystoreAvailability(api())
        if (!availability.available) return note(availability.why)
        note(`imported ${(await importUsers(api(), ks.exports, ks.users)).join(', ')}`)
      })
      .catch((e: unknown) => {
        outcome.ok = false
        outcome.error = `The node runs the restored identity, but importing the keystore users failed: ${errorMessage(e)}`
      })
  }

  async function reconnectIfLost(e: unknown): Promise<void> {
    if (!(e instanceof ConnectionLost)) return
    const until = Date.now() + RECONNECT_FOR_MS
    for (;;) {
      try {
        host.transport = await req.connect()
        log.warning(`${errorMessage(e)}; reconnected.`)
        return
      } catch (again) {
        if (Date.now() > until)
          throw new Error(`${errorMessage(e)}, and reconnecting failed: ${errorMessage(again)}`)
        await sleep(1000)
      }
    }
  }

  /** After a failure past the stop: the previous files back, the node started again. */
  async function rollBack(cause: unknown, previous: string, runId: string): Promise<void> {
    const what = errorMessage(cause)
    const kept = outcome.previousFiles
    try {
      await timeline.step('Roll back', async note => {
        await reconnectIfLost(cause)
        if (kept) {
          await host.stopNode()
          await host.rollback(previous)
        } else {
          // The files were not swapped: only the uploads to remove, and the node to start again.
          await host.removeTemp(runId)
        }
        await host.startNode()
        const back = await waitForNode(api, req.waitTimeoutMs, outcome.previousNodeId).catch(
          () => undefined
        )
        note(
          `previous files back in place${back ? `; the node reports ${back.nodeID}` : '; the node did not answer yet'}`
        )
      })
      outcome.error = kept
        ? `Restore failed: ${what}\nThe previous files were put back and the node started again (a copy stays in ${kept}).`
        : `Restore failed: ${what}\nThe node's files were not changed; it was started again.`
    } catch (e) {
      outcome.error =
        `Restore failed: ${what}\nRolling back failed too: ${errorMessage(e)}\n` +
        (kept
          ? `The previous files are in ${kept} on ${outcome.host}. To put them back by hand: stop the node, copy them into ${host.stakingDir} (cp -p ${kept}/* ${host.stakingDir}/), start the node.`
          : `The node was stopped before its files were changed; start it again (sudo systemctl start ${req.host.serviceName}).`)
    }
  }
}

function describeHost(facts: HostFacts, current: NodeIdAnswer | undefined): string {
  const files = STAKING_FILES.map(f => {
    const x = facts.files[f]
    return x.exists ? `${f} ${x.owner} ${x.mode}` : `${f} missing`
  }).join(', ')
  return `node ${current ? `reports ${current.nodeID}` : 'does not answer'}; ${facts.stakingDir}: ${facts.dirExists ? files : 'missing'}; node user ${facts.nodeUser}`
}

function alreadyRestored(
  facts: HostFacts,
  bytes: Record<StakingFile, Uint8Array>,
  current: NodeIdAnswer | undefined,
  want: { nodeId: string; bls: string }
): boolean {
  const same = STAKING_FILES.every(f => facts.files[f].sha256 === sha256Hex(bytes[f]))
  return (
    same &&
    current?.nodeID === want.nodeId &&
    (!current.nodePOP || current.nodePOP.publicKey === want.bls)
  )
}

/**
 * Polls info.getNodeID: a short first interval, backing off to 100 ms while a node normally
 * starts (each poll is one forwarded request on the open connection), then to 1 s.
 */
async function waitForNode(
  api: () => NodeApi,
  timeoutMs: number,
  expected?: string
): Promise<NodeIdAnswer> {
  const started = performance.now()
  const deadline = started + timeoutMs
  let interval = 25
  for (;;) {
    const answer = await api().getNodeId()
    // A node that answers with another identity will not change its mind: no point waiting.
    if (answer) return answer
    if (performance.now() + interval > deadline) {
      throw new Error(
        `the node did not answer info.getNodeID within ${timeoutMs / 1000} s${expected ? ` (expected ${expected})` : ''}`
      )
    }
    await sleep(interval)
    interval = Math.min(interval * 1.5, performance.now() - started < 30_000 ? 100 : 1000)
  }
}

function prove(answer: NodeIdAnswer, want: { nodeId: string; bls: string }, log: Log): void {
  if (answer.nodeID !== want.nodeId) {
    throw new Error(
      `the node started with NodeID ${answer.nodeID}, not ${want.nodeId}: it did not take the restored files`
    )
  }
  if (!answer.nodePOP) {
    log.warning(
      `the node does not report nodePOP (avalanchego before v1.8.6): only the NodeID was checked, not the BLS key.`
    )
    return
  }
  if (answer.nodePOP.publicKey !== want.bls) {
    throw new Error(
      `the node reports BLS key ${answer.nodePOP.publicKey}, not ${want.bls}: it did not take the restored signer.key`
    )
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))
