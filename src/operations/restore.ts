import type { KeystoreCredential } from '../settings/keystore-users.js'
import { sha256Hex } from '../identity/sha256.js'
import { randomBytes } from 'node:crypto'
import { STAKING_FILES, type StakingFiles } from '../identity/errors.js'
import {
  failedChecks,
  checkIdentity,
  type Expectations,
  type IdentityFiles,
  type IdentityReport
} from '../identity/checks.js'
import { ConnectionLost, sh, type HostTransport } from '../transport/transport.js'
import { errorMessage, type Log } from '../log.js'
import { NodeApi, type NodeIdAnswer } from '../node/api.js'
import { parseJournal, type Journal } from '../node/journal.js'
import { importUsers, keystoreAvailability, type KeystoreExport } from '../node/keystore.js'
import { HostError, NodeHost, type HostFacts, type NodeHostSettings } from '../node/node-host.js'
import {
  compareFiles,
  launchTransaction,
  recoverUnfinished,
  type Launched
} from '../node/transaction.js'
import { restoreRefusal } from '../node/identity-location.js'
import { Steps, type StepRecord } from './steps.js'
import { Cancelled, ProgramGone, watchTransaction } from './restore-watch.js'
import {
  askNetwork,
  restoreNetworkChecks,
  type Registration,
  type RestoreNetworkChecks
} from './network.js'
import type { RestoreSettings } from '../settings/modes.js'
import type { Connector } from './connect.js'
import { openSource } from './source.js'
import type { HealthReport } from '../network/replies.js'

export interface RestoreRequest {
  files: IdentityFiles
  expected: Expectations & { nodeId: string }
  /** Opens the transport; called again to reconnect after a lost connection. */
  connect: () => Promise<HostTransport>
  node: NodeHostSettings
  /** The node's API as seen on the host. */
  apiUrl: URL
  waitTimeoutMs: number
  force: boolean
  lockWaitSeconds: number
  /** Keystore users from a backup archive, imported once the NodeID is proven (old nodes only). */
  keystore?: { exports: KeystoreExport[]; users: KeystoreCredential[] }
  /** The network's checks (issue 12): the NodeID running elsewhere, health after the restore. */
  network?: RestoreNetworkChecks
  /** Aborted when the job is cancelled: we stop watching; the host finishes on its own. */
  signal?: AbortSignal
}

/**
 * The host as measured at the end: `restored` (the backup's identity proven), `unchanged` (nothing
 * touched, or the previous identity back from the previous files), `unknown` (not measured: the
 * connection is gone or the run was cancelled), `needs-attention` (measured, and neither).
 */
export type HostState = 'restored' | 'unchanged' | 'unknown' | 'needs-attention'

interface RestoreCommon {
  mode: 'restore'
  identity: IdentityReport
  /** Files were swapped and the node restarted (false when the host already ran the backup). */
  changed: boolean
  hostState: HostState
  /** Where the node takes its identity from, and how that was found. */
  identityLocation?: string
  /** The expected NodeID (the input), to report beside what was found. */
  expectedNodeId: string
  /** The node was asked for its NodeID before anything changed. */
  nodeAsked: boolean
  previousNodeId?: string
  previousFiles?: string
  /** The host-side journal of this restore. */
  journal?: string
  downtimeMs?: number
  host?: string
  steps: StepRecord[]
  /** /ext/health after the restore, when wait-healthy asked for it. */
  health?: HealthReport
  /** What the network said about the NodeID (network-api). */
  registration: Registration
}

/**
 * A restore proven says which identity the node now reports; one that is not says why, and what
 * to do (where the previous files are, the commands to check the host).
 */
export type RestoreOutcome = RestoreCommon &
  (
    | { ok: true; nodeId: string; blsPublicKey: string }
    | {
        ok: false
        /** Proven all the same when only a later step failed (importing keystore users). */
        nodeId?: string
        blsPublicKey?: string
        cause: string
        recovery?: string
      }
  )

/** The outcome while the run fills it in; `finished` makes it a RestoreOutcome. */
type RestoreRecord = RestoreCommon & {
  ok: boolean
  nodeId?: string
  blsPublicKey?: string
  cause?: string
  recovery?: string
}

function finished(r: RestoreRecord): RestoreOutcome {
  const { ok, nodeId, blsPublicKey, cause, recovery, ...common } = r
  if (ok && nodeId && blsPublicKey && cause === undefined)
    return { ...common, ok: true, nodeId, blsPublicKey }
  return {
    ...common,
    ok: false,
    ...(nodeId ? { nodeId } : {}),
    ...(blsPublicKey ? { blsPublicKey } : {}),
    cause: cause ?? 'the node did not prove the restored identity',
    ...(recovery ? { recovery } : {})
  }
}

const RECONNECT_FOR_MS = 30_000

/**
 * restore: the backup (given, or out of its archive) onto the node host, proven by the node's own
 * answer; the network asked first when network-api is given. `signal`: the job was cancelled.
 */
export async function restoreBackup(
  settings: RestoreSettings,
  log: Log,
  connect: Connector,
  signal?: AbortSignal
): Promise<RestoreOutcome> {
  const { files, keystore } = await openSource(settings.source, log)
  const users = settings.keystoreUsers
  if (keystore.length && !users)
    log.warning(
      `the archive holds keystore users (${keystore.map(x => x.username).join(', ')}); give keystore-users with their passwords to import them.`
    )
  const asked = await askNetwork(settings.network, settings.expected, log)
  const network = restoreNetworkChecks(settings.network, settings.host.target, log)
  const host = settings.host
  const outcome = await restore(
    {
      files,
      expected: { ...asked.expected, nodeId: settings.expected.nodeId },
      ...(network ? { network } : {}),
      connect: connect(host, log),
      node: host.node,
      apiUrl: host.apiUrl,
      waitTimeoutMs: host.waitTimeoutMs,
      force: host.force,
      lockWaitSeconds: 60,
      ...(keystore.length && users ? { keystore: { exports: keystore, users } } : {}),
      ...(signal ? { signal } : {})
    },
    log
  )
  return { ...outcome, registration: asked.registration }
}

interface Want {
  nodeId: string
  bls: string
  bytes: StakingFiles<Uint8Array>
}

/**
 * Restore to a host: check the backup, look at the host, upload the files under staged names,
 * then start the transaction on the host (restore-transaction.sh: stop, keep, swap, start, prove,
 * or put everything back) and watch its journal. The outcome is the host as measured at the end.
 */
export async function restore(req: RestoreRequest, log: Log): Promise<RestoreOutcome> {
  return finished(await restoreRecord(req, log))
}

async function restoreRecord(req: RestoreRequest, log: Log): Promise<RestoreRecord> {
  const steps = new Steps(log)
  const { report, parsed } = checkIdentity(req.files, req.expected)
  const outcome: RestoreRecord = {
    mode: 'restore',
    ok: false,
    registration: { state: 'not-asked' },
    identity: report,
    changed: false,
    hostState: 'unchanged',
    nodeAsked: false,
    expectedNodeId: req.expected.nodeId,
    steps: steps.records
  }
  const failed = failedChecks(report)
  if (
    failed.length ||
    !parsed.certificate ||
    !parsed.key ||
    !(req.files['signer.key'] instanceof Uint8Array)
  ) {
    steps.skipped('Check the backup', failed.map(c => c.detail).join('; '))
    steps.records[0]!.status = 'failed'
    outcome.cause = `The backup does not pass its checks; nothing on the host was touched:\n${failed.map(c => `- ${c.title}: ${c.detail}`).join('\n')}`
    return outcome
  }
  steps.records.push({
    name: 'Check the backup',
    status: 'done',
    ms: 0,
    detail: `${report.nodeId}, ${report.keyType}`
  })
  const want: Want = {
    nodeId: report.nodeId!,
    bls: report.blsPublicKey!,
    bytes: {
      'staker.crt': parsed.certificate.pem,
      'staker.key': parsed.key.pem,
      'signer.key': req.files['signer.key']
    }
  }
  let transport: HostTransport
  try {
    transport = await steps.step('Connect', async note => {
      const t = await req.connect()
      note(`connected to ${t.label}`)
      return t
    })
  } catch (e) {
    outcome.cause = `${errorMessage(e)}\nNothing on the host was changed.`
    return outcome
  }
  outcome.host = transport.label
  const run = new RestoreRun(req, log, steps, outcome, new NodeHost(transport, req.node), want)
  try {
    await run.perform()
  } catch (e) {
    outcome.cause ??= errorMessage(e)
  } finally {
    await run.host.transport.close()
  }
  return outcome
}

class RestoreRun {
  private nodeApi: NodeApi
  private readonly runId = `${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`

  constructor(
    private readonly req: RestoreRequest,
    private readonly log: Log,
    private readonly steps: Steps,
    private readonly outcome: RestoreRecord,
    readonly host: NodeHost,
    private readonly want: Want
  ) {
    this.nodeApi = new NodeApi(host.transport, req.apiUrl, log)
  }

  /** One API client per connection (it remembers whether forwarding works there). */
  private api(): NodeApi {
    if (this.nodeApi.transport !== this.host.transport)
      this.nodeApi = new NodeApi(this.host.transport, this.req.apiUrl, this.log)
    return this.nodeApi
  }

  async perform(): Promise<void> {
    const { facts, current } = await this.steps.step('Look at the host', note => this.look(note))
    this.outcome.previousNodeId = current?.nodeID
    if (alreadyRestored(facts, this.want, current) && !this.req.force)
      return this.nothingToDo(current!)
    await this.steps.step('Upload', note => this.upload(facts, note))
    let launched: Launched
    try {
      // Cancelled before anything changed: nothing is started on the host.
      if (this.req.signal?.aborted)
        throw new HostError(
          'The job was cancelled before the host was changed; nothing was started there.'
        )
      launched = await launchTransaction(this.host, {
        runId: this.runId,
        files: this.want.bytes,
        facts,
        nodeId: this.want.nodeId,
        blsPublicKey: this.want.bls,
        ...(current ? { previousNodeId: current.nodeID } : {}),
        apiUrl: this.req.apiUrl,
        waitSeconds: Math.ceil(this.req.waitTimeoutMs / 1000),
        lockWaitSeconds: this.req.lockWaitSeconds
      })
    } catch (e) {
      await this.host.removeStaged(this.runId).catch(() => undefined)
      throw e
    }
    this.outcome.previousFiles = launched.previousDir
    this.outcome.journal = launched.journalPath
    await this.follow(facts, launched)
  }

  private async look(
    note: (d: string) => void
  ): Promise<{ facts: HostFacts; current: NodeIdAnswer | undefined }> {
    await this.host.locate()
    this.outcome.identityLocation = this.host.locationText
    note(`identity: ${this.host.locationText}`)
    const refusal = this.host.location && restoreRefusal(this.host.location)
    if (refusal) throw new HostError(`${refusal} Nothing was changed.`)
    const network = await this.refuseIfRunningElsewhere()
    let facts = await this.host.inspectAsNeeded()
    await this.host.checkPermissions()
    if (facts.missingTools.length)
      throw new HostError(
        `${this.host.transport.label} lacks ${facts.missingTools.join(', ')}, which a restore runs there (util-linux, coreutils, curl or wget). Install them and run again; nothing was changed.`
      )
    facts = await this.waitForOtherRestore(facts)
    const recovered = facts.openJournals.length > 0
    if (recovered) {
      this.log.warning(
        `${this.host.transport.label} has a restore that did not finish (${facts.openJournals.map(j => j.path).join(', ')}): the host probably lost power during it. Putting its previous files back first.`
      )
      note((await recoverUnfinished(this.host, facts)).join('; '))
      facts = await this.host.inspectAsNeeded()
    }
    // After a recovery the node was just started again: its answer is the previous identity.
    const current = recovered
      ? await this.answerWithin(this.req.waitTimeoutMs)
      : await this.api().getNodeId()
    this.outcome.nodeAsked = true
    note([describeHost(facts, current), network].filter(Boolean).join('; '))
    return { facts, current }
  }

  /**
   * One NodeID in one place (network-api, old-hosts): asked before anything on the host changes,
   * even the rollback of a restore a power loss left unfinished.
   */
  private async refuseIfRunningElsewhere(): Promise<string | undefined> {
    if (!this.req.network) return undefined
    const now = await this.api().getNodeId()
    return this.req.network.refuseIfRunningElsewhere(this.want.nodeId, now?.nodeID)
  }

  /** The node's answer, waiting for it up to a time (a node just started again). */
  private async answerWithin(ms: number): Promise<NodeIdAnswer | undefined> {
    const until = Date.now() + ms
    for (;;) {
      const a = await this.api().getNodeId()
      if (a || Date.now() > until || this.req.signal?.aborted) return a
      await new Promise(r => setTimeout(r, 200))
    }
  }

  /** Another restore running on the host: wait for its end (what it did is what we must look at). */
  private async waitForOtherRestore(facts: HostFacts): Promise<HostFacts> {
    const until = Date.now() + this.req.lockWaitSeconds * 1000
    let running = facts.openJournals.find(j => j.state === 'running')
    if (running)
      this.log.info(
        `another restore is running here (journal ${running.path}): waiting for it to end`
      )
    while (running) {
      if (Date.now() > until || this.req.signal?.aborted)
        throw new HostError(
          `another restore is running on ${this.host.transport.label} (journal ${running.path}); waited ${this.req.lockWaitSeconds} s. Let it finish, then run again; nothing was changed.`
        )
      await new Promise(r => setTimeout(r, 200))
      facts = await this.host.inspectAsNeeded()
      running = facts.openJournals.find(j => j.state === 'running')
    }
    return facts
  }

  private async nothingToDo(current: NodeIdAnswer): Promise<void> {
    this.steps.skipped(
      'Restore',
      'the host already has these files and the node reports the expected identity; nothing to do (force: true restarts anyway)'
    )
    this.log.info(
      `${this.host.transport.label} already runs ${this.want.nodeId} from byte-identical files: no restart.`
    )
    Object.assign(this.outcome, {
      ok: true,
      hostState: 'restored',
      nodeId: current.nodeID,
      blsPublicKey: current.nodePOP?.publicKey ?? this.want.bls
    })
    await this.afterProven()
  }

  private async upload(facts: HostFacts, note: (d: string) => void): Promise<void> {
    if (!facts.dirExists) await this.host.makeStakingDir()
    try {
      await Promise.all(STAKING_FILES.map(f => this.host.upload(f, this.want.bytes[f], this.runId)))
    } catch (e) {
      // The node was not touched: only the staged files to remove (on a new connection if needed).
      await (e instanceof ConnectionLost ? this.reconnectIfLost(e) : Promise.resolve())
        .then(() => this.host.removeStaged(this.runId))
        .catch(() => undefined)
      throw e
    }
    note(
      `3 files written to ${this.host.stakingDir}/.*.new-${this.runId} (0400, owner ${facts.nodeUser}), sha256 verified on the host`
    )
  }

  /** Watches the host-side journal to its end, then measures the host and says what it found. */
  private async follow(before: HostFacts, launched: Launched): Promise<void> {
    let journal: Journal | undefined
    try {
      journal = await watchTransaction({
        host: this.host,
        journalPath: launched.journalPath,
        log: this.log,
        steps: this.steps,
        lockWaitMs: this.req.lockWaitSeconds * 1000,
        // The node's wait, forward and after a rollback (at least 30 s there), and stopping and
        // starting it.
        workMs: this.req.waitTimeoutMs + Math.max(this.req.waitTimeoutMs, 30_000) + 45_000,
        reconnect: (e, until) => this.reconnectIfLost(e, until),
        ...(this.req.signal ? { signal: this.req.signal } : {})
      })
    } catch (e) {
      if (!(e instanceof ProgramGone)) return this.lostSight(e, launched)
      journal = await this.finishForIt(launched)
    }
    if (!journal.steps.some(s => s.name === 'stop')) {
      // Refused before the stop: nothing was kept, and the run's directory (only the journal and
      // the program) goes.
      await this.host.run(`${this.host.rootPrefix}rm -rf ${sh(launched.previousDir)}`)
      delete this.outcome.previousFiles
    }
    if (journal.end?.result === 'refused' && /host-changed/.test(journal.failures.join(' '))) {
      // Another restore ran in between: what it left is what we must look at.
      const facts = await this.host.inspectAsNeeded()
      const current = await this.api().getNodeId()
      if (alreadyRestored(facts, this.want, current)) return this.nothingToDo(current!)
    }
    await this.measure(before, journal)
    if (this.outcome.hostState === 'restored') await this.afterProven()
  }

  /** The identity is proven: the keystore users, then (wait-healthy) the node's health. */
  private async afterProven(): Promise<void> {
    await this.importKeystore()
    const network = this.req.network
    if (!network?.waitsForHealth) return
    this.outcome.health = await this.steps
      .step('Wait for health', note => network.waitHealthy(this.api(), note))
      .catch((e: unknown) => {
        this.log.warning(`the node's health could not be read: ${errorMessage(e)}`)
        return undefined
      })
  }

  /**
   * The host-side program died without an end (killed, or its session ended): finish its journal
   * from here as the next run would (proven: kept; otherwise the previous files back), then read it.
   */
  private async finishForIt(launched: Launched): Promise<Journal> {
    this.log.warning(
      `the restore program on ${this.host.transport.label} stopped before it ended (killed, or its session was ended); finishing it from here.`
    )
    const done = await recoverUnfinished(this.host, await this.host.inspectAsNeeded())
    this.log.info(done.join('; '))
    // The node was started again by the recovery: give it its start-up before measuring.
    if (this.outcome.previousNodeId) await this.answerWithin(this.req.waitTimeoutMs)
    const p = sh(launched.journalPath)
    const r = await this.host.run(`if [ -r ${p} ]; then cat ${p}; else sudo -n cat ${p}; fi`)
    const journal = parseJournal(r.stdout.toString())
    journal.failures.unshift(
      `the restore program on the host stopped before it ended; finished from here (${done.join('; ')})`
    )
    return journal
  }

  /** The end as measured: files compared by hash with both sets, the node's own answer. */
  private async measure(before: HostFacts, journal: Journal): Promise<void> {
    const facts = await this.host.inspectAsNeeded()
    const answer = await this.api().getNodeId()
    const old = Object.fromEntries(
      STAKING_FILES.map(f => [f, before.files[f].sha256 ?? null])
    ) as StakingFiles<string | null>
    const fresh = Object.fromEntries(
      STAKING_FILES.map(f => [f, sha256Hex(this.want.bytes[f])])
    ) as StakingFiles<string>
    const files = compareFiles(facts, old, fresh)
    const o = this.outcome
    o.changed = journal.steps.some(s => s.name === 'stop')
    const proven =
      answer?.nodeID === this.want.nodeId &&
      (!answer.nodePOP || answer.nodePOP.publicKey === this.want.bls)
    const stop = journal.steps.find(s => s.name === 'stop')
    const check = journal.steps.find(s => s.name === 'check' && s.status === 'done')
    if (files.set === 'new' && proven) {
      if (!answer.nodePOP)
        this.log.warning(
          `the node does not report nodePOP (avalanchego before v1.8.6): only the NodeID was checked, not the BLS key.`
        )
      Object.assign(o, {
        ok: true,
        hostState: 'restored',
        nodeId: answer.nodeID,
        blsPublicKey: answer.nodePOP?.publicKey ?? this.want.bls
      })
      if (stop && check?.endedAt) o.downtimeMs = check.endedAt - stop.beganAt
      return
    }
    // As before: the previous files, and the node answering as it did (or not answering before).
    // Refused before the stop, this run changed nothing, whatever another one did meanwhile.
    const asBefore =
      files.set === 'old' && (!o.previousNodeId || answer?.nodeID === o.previousNodeId)
    o.hostState = asBefore || !o.changed ? 'unchanged' : 'needs-attention'
    Object.assign(o, failureText(journal, files, answer, this.want.nodeId, o, this.host))
  }

  private lostSight(e: unknown, launched: Launched): void {
    const o = this.outcome
    o.hostState = 'unknown'
    o.changed = true
    const why =
      e instanceof Cancelled
        ? 'The job was cancelled while the restore ran on the host.'
        : `Lost sight of the restore running on the host: ${errorMessage(e)}.`
    o.cause = `${why} The host finishes it on its own: the new identity proven, or every previous file put back and the node started again.`
    o.recovery = howToCheck(this.host, launched.journalPath)
  }

  async importKeystore(): Promise<void> {
    const ks = this.req.keystore
    if (!ks?.exports.length) return
    await this.steps
      .step('Import keystore users', async note => {
        const availability = await keystoreAvailability(this.api())
        if (!availability.available) return note(availability.why)
        note(`imported ${(await importUsers(this.api(), ks.exports, ks.users)).join(', ')}`)
      })
      .catch((e: unknown) => {
        this.outcome.ok = false
        this.outcome.cause = `The node runs the restored identity, but importing the keystore users failed: ${errorMessage(e)}`
      })
  }

  private async reconnectIfLost(e: unknown, until = Date.now() + RECONNECT_FOR_MS): Promise<void> {
    if (!(e instanceof ConnectionLost)) throw e
    for (;;) {
      try {
        this.host.transport = await this.req.connect()
        this.log.warning(`${errorMessage(e)}; reconnected.`)
        return
      } catch (again) {
        if (Date.now() > until || this.req.signal?.aborted)
          throw new Error(`${errorMessage(e)}, and reconnecting failed: ${errorMessage(again)}`)
        await new Promise(r => setTimeout(r, 1000))
      }
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

function alreadyRestored(facts: HostFacts, want: Want, current: NodeIdAnswer | undefined): boolean {
  const same = STAKING_FILES.every(f => facts.files[f].sha256 === sha256Hex(want.bytes[f]))
  return (
    same &&
    current?.nodeID === want.nodeId &&
    (!current.nodePOP || current.nodePOP.publicKey === want.bls)
  )
}

/** Why the restore did not end restored, and the host as measured afterwards. */
function failureText(
  journal: Journal,
  files: { set: string; detail: string },
  answer: NodeIdAnswer | undefined,
  wanted: string,
  o: RestoreRecord,
  host: NodeHost
): { cause: string; recovery?: string } {
  const other = journal.answers.find(a => a.step === 'check' && a.nodeId !== wanted)
  const why = other
    ? `the node started with NodeID ${other.nodeId}, not ${wanted}: it did not take the restored files`
    : (journal.failures[0] ?? journal.end?.detail ?? 'the host-side restore gave no reason')
  const then = journal.failures.slice(other ? 0 : 1).filter(f => !/^the node answers/.test(f))
  const node = answer ? `the node answers ${answer.nodeID}` : 'the node does not answer'
  const previous = answer && answer.nodeID === o.previousNodeId ? ' (the previous identity)' : ''
  const state =
    o.hostState === 'unchanged'
      ? !o.changed
        ? `Nothing on the host was changed by this run: ${node}.`
        : journal.activeBefore === false
          ? `The previous files were put back; the node was not running before and was left stopped.`
          : `The previous files were put back and the node started again: ${node}${previous}.`
      : `Measured afterwards: ${files.detail}; ${node}. ${files.set === 'mixed' ? 'The files are a MIX of the two sets: do not start the node on them.' : ''}`
  const recovery = [
    o.changed && o.previousFiles ? `A copy of the previous files stays in ${o.previousFiles}.` : '',
    o.hostState === 'needs-attention' ? howToCheck(host, o.journal ?? '') : ''
  ].filter(Boolean)
  return {
    cause: `${why}\n${then.length ? `Then: ${then.join('; ')}.\n` : ''}${state}`,
    ...(recovery.length ? { recovery: recovery.join('\n') } : {})
  }
}

/** The commands an operator runs to see how the host-side restore ended, and to finish by hand. */
export function howToCheck(host: NodeHost, journalPath: string): string {
  const api = `curl -s -H 'content-type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}' http://127.0.0.1:9650/ext/info`
  return [
    `To see how it ended, on ${host.transport.label}:`,
    `  sudo tail -n 3 ${journalPath}     (the last line: end restored | end rolled-back | end stuck …)`,
    `  ${api}`,
    `If the journal has no 'end' line and no restore.sh process runs, run this restore again: it puts the previous files back first.`
  ].join('\n')
}
