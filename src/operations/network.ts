import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Target } from '../settings/host.js'
import type { NetworkSettings } from '../settings/network.js'
import type { Expectations } from '../identity/checks.js'
import { errorMessage, type Log } from '../log.js'
import type { NodeApi } from '../node/api.js'
import { probeStakingPort, throwawayClientCertificate } from '../node/staking-port.js'
import { NetworkApi } from '../network/client.js'
import {
  shown,
  validatorLine,
  type HealthReport,
  type PeerSeen,
  type Validator
} from '../network/replies.js'

/** What the P-chain says about a NodeID, as far as it could be asked. */
export type Registration =
  | { state: 'not-asked' }
  | { state: 'validator'; validator: Validator; origin: string }
  | { state: 'not-validator'; origin: string }
  | { state: 'unknown'; why: string }

/** The network's checks failed, or could not be made where the operator required them. */
export class NetworkCheckError extends Error {
  override readonly name = 'NetworkCheckError'
}

/**
 * Asks the network whether the NodeID is a current validator, and with which BLS key: one HTTPS
 * request (platform.getCurrentValidators). Unanswered: a warning, or an error with
 * require-network-checks.
 */
export async function askRegistration(
  settings: NetworkSettings,
  nodeId: string,
  log: Log
): Promise<Registration> {
  if (!settings.apiUrl) return { state: 'not-asked' }
  const api = new NetworkApi(settings.apiUrl)
  {
    try {
      const validator = await api.validator(nodeId)
      if (!validator) {
        log.info(`${nodeId} is not a current validator of the primary network (${api.origin})`)
        return { state: 'not-validator', origin: api.origin }
      }
      log.info(
        `${nodeId}: ${validatorLine(validator)}; registered BLS key ${validator.blsPublicKey ?? '(none: a validator added before BLS keys)'} (${api.origin})`
      )
      return { state: 'validator', validator, origin: api.origin }
    } catch (e) {
      const why = errorMessage(e)
      unanswered(settings, why, 'the BLS key registered on the P-chain', log)
      return { state: 'unknown', why }
    }
  }
}

/** The registered key as an expectation of the backup, when there is one. */
export function registeredKey(r: Registration): string | undefined {
  return r.state === 'validator' ? r.validator.blsPublicKey : undefined
}

function unanswered(settings: NetworkSettings, why: string, what: string, log: Log): void {
  if (settings.require)
    throw new NetworkCheckError(`${why}. Not checked: ${what} (require-network-checks is true).`)
  log.warning(`${why}. Not checked: ${what}.`)
}

/** Where the NodeID was found connected, as the decision sees it. */
export type Whereabouts =
  | { verdict: 'nowhere' }
  | { verdict: 'target' }
  | { verdict: 'unsure'; at: string }
  | { verdict: 'elsewhere'; at: string }

/**
 * info.peers' connections with the NodeID, judged: from one of the target's addresses, it is the
 * target; from another, it runs elsewhere, unless the target reports this NodeID itself, when the
 * network may simply see the target under another address (NAT, a jump host): unsure.
 */
export function judgePeers(
  peers: PeerSeen[],
  targetAddresses: string[],
  targetRunsIt: boolean
): Whereabouts {
  if (peers.length === 0) return { verdict: 'nowhere' }
  const mine = new Set(targetAddresses.map(a => a.toLowerCase()))
  const other = peers.find(p => !mine.has(p.ip) && !(p.publicIp && mine.has(p.publicIp)))
  if (!other) return { verdict: 'target' }
  const at = shown(other.publicIp ?? other.ip, 60)
  return targetRunsIt ? { verdict: 'unsure', at } : { verdict: 'elsewhere', at }
}

/** The network's part of a restore: before anything stops, and after the identity is proven. */
export class RestoreNetworkChecks {
  constructor(
    private readonly settings: NetworkSettings,
    /** The target's own addresses (its host name resolved); empty when it is this machine. */
    private readonly targetAddresses: () => Promise<string[]>,
    private readonly log: Log
  ) {}

  get waitsForHealth(): boolean {
    return this.settings.waitHealthyMs > 0
  }

  /**
   * One NodeID in one place: info.peers (one HTTPS request) and the old hosts' staking ports.
   * Throws NetworkCheckError when it runs elsewhere (a warning with allow-running-elsewhere).
   * Resolves to a line for the step's detail.
   */
  async refuseIfRunningElsewhere(nodeId: string, targetReports?: string): Promise<string> {
    const found: string[] = []
    const notes: string[] = []
    const [network, probed] = await Promise.all([
      this.peersCheck(nodeId, targetReports === nodeId),
      this.oldHostsCheck(nodeId)
    ])
    for (const r of [network, probed]) {
      if (r.at) found.push(r.at)
      if (r.note) notes.push(r.note)
    }
    if (found.length === 0) return notes.join('; ')
    const message = `${nodeId} is running at ${found.join(' and at ')} right now; stop that node first (or set allow-running-elsewhere: true if you know it is dying)`
    if (!this.settings.allowRunningElsewhere)
      throw new NetworkCheckError(`${message}. Nothing on the host was changed.`)
    this.log.warning(`${message}; going on: allow-running-elsewhere is true.`)
    return [...notes, `running elsewhere, allowed: ${found.join(', ')}`].join('; ')
  }

  private async peersCheck(
    nodeId: string,
    targetRunsIt: boolean
  ): Promise<{ at?: string; note?: string }> {
    if (!this.settings.apiUrl) return {}
    const api = new NetworkApi(this.settings.apiUrl)
    let peers: PeerSeen[]
    try {
      peers = await api.peers(nodeId)
    } catch (e) {
      unanswered(this.settings, errorMessage(e), `whether ${nodeId} runs elsewhere`, this.log)
      return { note: 'the network could not be asked' }
    }
    const w = judgePeers(peers, await this.targetAddresses().catch(() => []), targetRunsIt)
    switch (w.verdict) {
      case 'nowhere':
        return { note: `${api.origin} has no connection with ${nodeId}` }
      case 'target':
        return { note: `${api.origin} sees ${nodeId} on this host` }
      case 'unsure':
        this.log.warning(
          `${api.origin} sees ${nodeId} connected from ${w.at}, and this host reports ${nodeId} too: it may be this host seen under another address (NAT, a jump host). List the old machines in old-hosts to have their staking ports checked.`
        )
        return { note: `seen from ${w.at} (this host runs it too)` }
      case 'elsewhere':
        return { at: w.at }
    }
  }

  private async oldHostsCheck(nodeId: string): Promise<{ at?: string; note?: string }> {
    const hosts = this.settings.oldHosts
    if (hosts.length === 0) return {}
    const client = throwawayClientCertificate()
    const answers = await Promise.all(
      hosts.map(h => probeStakingPort(h.host, h.port, client, 5000))
    )
    for (const a of answers)
      this.log.info(
        `old host ${a.host}:${a.port}: ${a.nodeId ? `answers ${a.nodeId}` : `no answer (${a.error})`}`
      )
    const running = answers.filter(a => a.nodeId === nodeId).map(a => `${a.host}:${a.port}`)
    return running.length
      ? { at: running.join(', ') }
      : { note: `${hosts.length} old host(s) do not answer with ${nodeId}` }
  }

  /**
   * After the identity is proven: wait-healthy seconds for /ext/health to say healthy. Not healthy
   * in time is a warning naming the failing checks (health is about bootstrapping).
   */
  async waitHealthy(api: NodeApi, note: (d: string) => void): Promise<HealthReport | undefined> {
    const until = Date.now() + this.settings.waitHealthyMs
    let report = await api.healthReport()
    while (!report?.healthy && Date.now() < until) {
      await new Promise(r => setTimeout(r, 1000))
      report = await api.healthReport()
    }
    const bls = report?.checks.find(c => c.name === 'bls')
    const blsText = bls ? `bls ${bls.ok ? 'ok' : `FAILING: ${bls.error}`}` : 'no bls check'
    if (report?.healthy) {
      note(`healthy; ${blsText}; ${report.checks.map(c => c.name).join(', ')} pass`)
      return report
    }
    const failing = report?.checks.filter(c => !c.ok) ?? []
    const what = report
      ? `failing checks: ${failing.map(c => `${c.name} (${c.error ?? 'failed'})`).join(', ') || 'none named'}`
      : '/ext/health does not answer (or not with its checks)'
    note(`not healthy after ${this.settings.waitHealthyMs / 1000} s; ${blsText}; ${what}`)
    this.log.warning(
      `the node runs the restored identity but is not healthy after wait-healthy (${this.settings.waitHealthyMs / 1000} s): ${what}. ${bls && !bls.ok ? 'The bls check fails: the node runs a BLS key other than the one registered on the P-chain, and its peers disconnect it.' : 'A node that is still bootstrapping becomes healthy on its own.'}`
    )
    return report
  }
}

/** The addresses a host name resolves to (itself when it is an address). */
export async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '')
  if (isIP(bare)) return [bare.toLowerCase()]
  return (await lookup(bare, { all: true })).map(a => a.address.toLowerCase())
}

/**
 * The P-chain's registration of the NodeID (network-api), before anything else connects: its BLS
 * key becomes an expectation of the backup. One HTTPS request.
 */
export async function askNetwork(
  network: NetworkSettings,
  expected: Expectations,
  log: Log
): Promise<{ registration: Registration; expected: Expectations }> {
  if (!network.apiUrl || !expected.nodeId) return { registration: { state: 'not-asked' }, expected }
  const registration = await log.group('Ask the network', () =>
    askRegistration(network, expected.nodeId!, log)
  )
  const key = registeredKey(registration)
  return { registration, expected: key ? { ...expected, registeredBlsPublicKey: key } : expected }
}

/** A restore's network checks, when any input asks for one. */
export function restoreNetworkChecks(
  network: NetworkSettings,
  target: Target,
  log: Log
): RestoreNetworkChecks | undefined {
  if (!network.apiUrl && network.oldHosts.length === 0 && network.waitHealthyMs === 0) return
  return new RestoreNetworkChecks(
    network,
    () => (target.kind === 'ssh' ? addressesOf(target.ssh.host) : Promise.resolve([])),
    log
  )
}
