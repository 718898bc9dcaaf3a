// What an avalanchego API on the network says, read from its JSON. Pure: text in, facts out.
//
// Shapes from the avalanchego source (main of 2026-08):
// - JSON-RPC 2.0 as gorilla/rpc's json2 codec writes it: {"jsonrpc":"2.0","id":…,"result":…} or
//   {"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}}.
// - info.peers (api/info/service.go PeersArgs/PeersReply, network/peer/info.go Info):
//   {"numPeers":"1","peers":[{"ip":"203.0.113.7:9651","publicIP":"…","nodeID":"NodeID-…",…}]};
//   ip is the address the answering node sees the connection from (netip.AddrPort as text).
// - platform.getCurrentValidators (vms/platformvm/service.go, vms/platformvm/api/validator.go
//   PermissionlessValidator): {"validators":[{"txID","startTime","endTime","weight","nodeID",
//   "uptime":"99.2000","connected":true,"signer":{"publicKey":"0x…","proofOfPossession":"0x…"},…}]};
//   numbers are strings (utils/json Uint64, Float32); signer is absent for validators added before
//   BLS keys existed (AddValidatorTx).
// - /ext/health (api/health/service.go APIReply, result.go Result):
//   {"checks":{"bls":{"message":…,"error":"…","timestamp":…,"duration":…},…},"healthy":bool}.

/** The answer was not what an avalanchego API sends (or an error it sent), in our words. */
export class NetworkReplyError extends Error {
  override readonly name = 'NetworkReplyError'
}

/** A string from the network for a message: printable ASCII only, cut when long. */
export function shown(v: unknown, max = 120): string {
  const s = String(v).replace(/[^\x20-\x7e]/g, '?')
  return s.length > max ? `${s.slice(0, max)}…` : s
}

/** The result of a JSON-RPC 2.0 reply to the call with `id`; its error as NetworkReplyError. */
export function rpcResult(body: string, id: number, method: string): unknown {
  let reply: unknown
  try {
    reply = JSON.parse(body)
  } catch {
    throw new NetworkReplyError(`${method} answered without JSON`)
  }
  if (!isObject(reply) || reply.jsonrpc !== '2.0' || reply.id !== id)
    throw new NetworkReplyError(`${method} answered without a JSON-RPC 2.0 reply to our call`)
  if (isObject(reply.error)) {
    const code = typeof reply.error.code === 'number' ? ` (code ${reply.error.code})` : ''
    throw new NetworkReplyError(`${method} failed${code}: ${shown(reply.error.message ?? '')}`)
  }
  if (!('result' in reply)) throw new NetworkReplyError(`${method} answered without a result`)
  return reply.result
}

/** One connection the answering node has with the NodeID asked about. */
export interface PeerSeen {
  /** The address the answering node sees the connection come from, without the port. */
  ip: string
  port: number
  /** The address the peer claims (signed), when it claims one. */
  publicIp?: string
}

/** info.peers' result → the connections with `nodeId` (a node that ignores the filter lists all). */
export function parsePeers(result: unknown, nodeId: string): PeerSeen[] {
  if (!isObject(result) || !Array.isArray(result.peers))
    throw new NetworkReplyError('info.peers answered without a list of peers')
  const seen: PeerSeen[] = []
  for (const p of result.peers) {
    if (!isObject(p) || p.nodeID !== nodeId) continue
    const ip = typeof p.ip === 'string' ? splitAddrPort(p.ip) : undefined
    if (!ip) throw new NetworkReplyError('info.peers answered a peer without an address')
    const pub = typeof p.publicIP === 'string' ? splitAddrPort(p.publicIP) : undefined
    seen.push({ ...ip, ...(pub && pub.ip !== ip.ip ? { publicIp: pub.ip } : {}) })
  }
  return seen
}

/** `203.0.113.7:9651` or `[2001:db8::1]:9651` (Go's netip.AddrPort as text). */
export function splitAddrPort(text: string): { ip: string; port: number } | undefined {
  const m =
    /^\[([0-9a-fA-F:.]+)(?:%[^\]]*)?\]:(\d{1,5})$/.exec(text) ?? /^([\d.]+):(\d{1,5})$/.exec(text)
  return m ? { ip: m[1]!.toLowerCase(), port: Number(m[2]) } : undefined
}

/** A current validator of the primary network, as platform.getCurrentValidators shows it. */
export interface Validator {
  nodeId: string
  /** The BLS public key registered with it (`0x` + 96 hex digits); absent for pre-BLS validators. */
  blsPublicKey?: string
  /** Unix seconds. */
  startTime: number
  endTime: number
  /** nAVAX, as the API gives it (a decimal string: it may exceed 2^53). */
  weight: string
  /** Percent, as seen by the answering node; absent where the API leaves it out. */
  uptime?: number
  connected?: boolean
}

/** getCurrentValidators' result → the validator with `nodeId`, or undefined when it is not one. */
export function parseValidator(result: unknown, nodeId: string): Validator | undefined {
  if (!isObject(result) || !Array.isArray(result.validators))
    throw new NetworkReplyError(
      'platform.getCurrentValidators answered without a list of validators'
    )
  const v = result.validators.find(x => isObject(x) && x.nodeID === nodeId) as
    Record<string, unknown> | undefined
  if (!v) return undefined
  const bad = (field: string) =>
    new NetworkReplyError(
      `platform.getCurrentValidators answered a validator with no valid ${field}`
    )
  const uint = (field: string) => {
    const x = v[field]
    if (typeof x !== 'string' || !/^\d{1,20}$/.test(x)) throw bad(field)
    return x
  }
  const validator: Validator = {
    nodeId,
    startTime: Number(uint('startTime')),
    endTime: Number(uint('endTime')),
    weight: uint('weight')
  }
  if (v.uptime !== undefined) {
    if (typeof v.uptime !== 'string' || !/^\d+(\.\d+)?$/.test(v.uptime)) throw bad('uptime')
    validator.uptime = Number(v.uptime)
  }
  if (typeof v.connected === 'boolean') validator.connected = v.connected
  if (v.signer !== undefined && v.signer !== null) {
    const pk = isObject(v.signer) ? v.signer.publicKey : undefined
    if (typeof pk !== 'string' || !/^0x[0-9a-fA-F]{96}$/.test(pk)) throw bad('signer.publicKey')
    validator.blsPublicKey = pk.toLowerCase()
  }
  return validator
}

export interface HealthCheck {
  name: string
  ok: boolean
  /** The check's error, as the node words it (shown, cut). */
  error?: string
}

export interface HealthReport {
  healthy: boolean
  checks: HealthCheck[]
}

/** /ext/health's body → healthy and each check by name, sorted. */
export function parseHealth(body: string): HealthReport {
  let reply: unknown
  try {
    reply = JSON.parse(body)
  } catch {
    throw new NetworkReplyError('/ext/health answered without JSON')
  }
  if (!isObject(reply) || typeof reply.healthy !== 'boolean' || !isObject(reply.checks))
    throw new NetworkReplyError('/ext/health answered without checks and healthy')
  const checks = Object.entries(reply.checks)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, r]): HealthCheck => {
      const error = isObject(r) && typeof r.error === 'string' ? r.error : undefined
      return {
        name: shown(name, 60),
        ok: error === undefined,
        ...(error ? { error: shown(error) } : {})
      }
    })
  return { healthy: reply.healthy, checks }
}

/** "validator until 2027-03-01, uptime 99.2 %" (and whether the answering node sees it connected). */
export function validatorLine(v: Validator): string {
  const until = new Date(v.endTime * 1000).toISOString().slice(0, 10)
  const uptime = v.uptime === undefined ? '' : `, uptime ${v.uptime.toFixed(1)} %`
  const connected = v.connected === false ? ', not connected' : ''
  return `validator until ${until}${uptime}${connected}`
}

/** The `validator` output: the registered key, start and end time, weight, uptime, connected. */
export function validatorJson(v: Validator): object {
  return {
    nodeId: v.nodeId,
    blsPublicKey: v.blsPublicKey ?? null,
    startTime: new Date(v.startTime * 1000).toISOString(),
    endTime: new Date(v.endTime * 1000).toISOString(),
    weight: v.weight,
    uptime: v.uptime ?? null,
    connected: v.connected ?? null
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
