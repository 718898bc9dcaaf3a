// A simulated avalanchego API "on the same network", for the tests of network-api (issue 12).
//
// Run by test-hosts/network.ts inside a test host's network namespace, on that host's address,
// over HTTPS with a certificate from a throwaway CA. It serves what an operator's RPC node or a
// public endpoint would: info.peers and platform.getCurrentValidators with the shapes of the
// avalanchego source (api/info/service.go, network/peer/info.go, vms/platformvm/service.go,
// vms/platformvm/api/validator.go), and gorilla/rpc's strictness: POST only (405), Content-Type
// application/json required (415), "jsonrpc":"2.0" required, no id: an empty body, an unknown
// method: error -32000. What it knows comes from a JSON file, read at each request, so a test can
// change the world between two runs.
//
// Usage: node network-api.ts ADDRESS PORT CERT KEY WORLD.json

import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The world as the answering node sees it. */
export interface NetworkWorld {
  /** Connections the answering node has: NodeID and the address it sees the peer at. */
  peers?: { nodeID: string; ip: string; publicIP?: string }[]
  /** Current validators of the primary network. */
  validators?: {
    nodeID: string
    /** The registered BLS key; absent: a validator added before BLS keys. */
    publicKey?: string
    startTime: number
    endTime: number
    weight: string
    uptime?: number
    connected?: boolean
  }[]
  /** Milliseconds to wait before answering (a slow endpoint). */
  delayMs?: number
}

const [address, port, certFile, keyFile, worldFile] = process.argv.slice(2)

function world(): NetworkWorld {
  return JSON.parse(readFileSync(worldFile!, 'utf8')) as NetworkWorld
}

class RpcError extends Error {
  code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

function peers(params: { nodeIDs?: string[] }): unknown {
  const ask = new Set(params.nodeIDs ?? [])
  const list = (world().peers ?? [])
    .filter(p => ask.size === 0 || ask.has(p.nodeID))
    .map(p => ({
      ip: p.ip,
      ...(p.publicIP ? { publicIP: p.publicIP } : {}),
      nodeID: p.nodeID,
      version: 'avalanchego/1.14.2',
      upgradeTime: 1765000000,
      lastSent: new Date().toISOString(),
      lastReceived: new Date().toISOString(),
      observedUptime: '100',
      trackedSubnets: [],
      supportedACPs: [],
      objectedACPs: [],
      benched: []
    }))
  return { numPeers: String(list.length), peers: list }
}

function validators(params: { nodeIDs?: string[] }): unknown {
  const ask = new Set(params.nodeIDs ?? [])
  const list = (world().validators ?? [])
    .filter(v => ask.size === 0 || ask.has(v.nodeID))
    .map(v => ({
      txID: '2NNkpYTGfTFLSGXJcHtVv6drwVU2cczhmjK2uhvwDyxwsjzZMm',
      startTime: String(v.startTime),
      endTime: String(v.endTime),
      weight: v.weight,
      nodeID: v.nodeID,
      potentialReward: '1000000',
      accruedDelegateeReward: '0',
      validationRewardOwner: { locktime: '0', threshold: '1', addresses: ['P-avax1test'] },
      delegationRewardOwner: { locktime: '0', threshold: '1', addresses: ['P-avax1test'] },
      delegationFee: '2.0000',
      ...(v.uptime === undefined ? {} : { uptime: v.uptime.toFixed(4) }),
      ...(v.connected === undefined ? {} : { connected: v.connected }),
      ...(v.publicKey
        ? { signer: { publicKey: v.publicKey, proofOfPossession: '0x' + '00'.repeat(96) } }
        : {}),
      delegatorCount: '0',
      delegatorWeight: '0'
    }))
  return { validators: list }
}

const METHODS: Record<string, Record<string, (p: never) => unknown>> = {
  '/ext/info': { 'info.peers': peers },
  '/ext/bc/P': { 'platform.getCurrentValidators': validators }
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const reply = (status: number, payload?: unknown) => {
    res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' })
    res.end(payload === undefined ? '' : JSON.stringify(payload) + '\n')
  }
  const methods = METHODS[req.url ?? '']
  if (!methods) return reply(404)
  if (req.method !== 'POST') return reply(405)
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') return reply(415)
  let call: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown }
  try {
    call = JSON.parse(body)
  } catch {
    return reply(200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
  }
  const id = call.id
  try {
    if (call.jsonrpc !== '2.0') throw new RpcError(-32600, 'jsonrpc must be 2.0')
    const fn = methods[String(call.method)]
    if (!fn) throw new RpcError(-32000, `rpc: can't find method "${String(call.method)}"`)
    const result = fn(((call.params as object[] | undefined)?.[0] ?? call.params ?? {}) as never)
    // A call without id is a notification: gorilla/rpc answers nothing.
    if (id === undefined) return reply(200)
    reply(200, { jsonrpc: '2.0', id, result })
  } catch (e) {
    if (id === undefined) return reply(200)
    const code = e instanceof RpcError ? e.code : -32000
    reply(200, { jsonrpc: '2.0', id, error: { code, message: (e as Error).message, data: null } })
  }
}

const server = createServer(
  { cert: readFileSync(certFile!), key: readFileSync(keyFile!) },
  (req, res) => {
    let body = ''
    req.on('data', c => (body += c))
    req.on('end', () => {
      setTimeout(() => handle(req, res, body), world().delayMs ?? 0)
    })
  }
)
server.listen(Number(port), address, () => process.stdout.write('listening\n'))
process.on('SIGTERM', () => process.exit(0))
