// The simulated avalanchego's HTTP API, as strict as the real one (api/server, gorilla/rpc v2 with
// its json2 codec, api/health): the Host header check, 405 for anything but POST on a JSON-RPC
// endpoint, 415 without `Content-Type: application/json`, `"jsonrpc":"2.0"` required, no body
// for a request without `id`, -32000 for every server-side error (an unknown method too), HTTP
// 200 even for errors. Bound at once, served only when the node's start-up is over: until then
// requests hang, as on a real node.

import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import { join } from 'node:path'
import type { NodeConfig } from './avalanchego-config.ts'
import type { Simulation } from './avalanchego.ts'

export interface ApiIdentity {
  nodeId: string
  nodePOP?: { publicKey: string; proofOfPossession: string }
}

type Handler = (method: string, params: Record<string, unknown>) => unknown

class RpcError extends Error {}

/** gorilla/rpc's service lookup: `info.getNodeID` → service info, method GetNodeID. */
function lookup(services: Record<string, Record<string, Handler>>, method: string): Handler {
  const [service, name] = method.split('.', 2) as [string, string | undefined]
  if (!name) throw new RpcError(`rpc: service/method request ill-formed: "${method}"`)
  if (/^[A-Z]/.test(name)) throw new RpcError('method must start with a non-uppercase letter')
  const upper = `${service}.${name[0]!.toUpperCase()}${name.slice(1)}`
  const s = services[service]
  if (!s) throw new RpcError(`rpc: can't find service "${upper}"`)
  const h = s[name]
  if (!h) throw new RpcError(`rpc: can't find method "${upper}"`)
  return h
}

function infoService(simulation: Simulation, who: ApiIdentity, bootstrapped: () => boolean) {
  return {
    getNodeID: () =>
      who.nodePOP ? { nodeID: who.nodeId, nodePOP: who.nodePOP } : { nodeID: who.nodeId },
    isBootstrapped: (_: string, params: Record<string, unknown>) => {
      if (!['P', 'X', 'C'].includes(String(params.chain)))
        throw new RpcError(`there is no chain with alias/ID '${String(params.chain ?? '')}'`)
      return { isBootstrapped: bootstrapped() }
    },
    getNodeVersion: () => ({
      version: simulation.version ?? 'avalanchego/1.14.0',
      databaseVersion: 'v1.4.5',
      rpcProtocolVersion: '42',
      gitCommit: 'simulated',
      vmVersions: {}
    })
  } as Record<string, Handler>
}

/**
 * The keystore (removed in v1.12.2): users and their data, exported as hex of a blob that only
 * the user's password opens again (here: the data with a password digest, which is enough to
 * tell a right import from a wrong one).
 */
function keystoreService(dataDir: string): Record<string, Handler> {
  const file = join(dataDir, 'keystore.json')
  type User = { password: string; data: string }
  const users: Record<string, User> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
  const digest = (p: string) => createHash('sha256').update(p).digest('hex')
  const save = () => writeFileSync(file, JSON.stringify(users), { mode: 0o600 })
  const who = (p: Record<string, unknown>) => [String(p.username ?? ''), String(p.password ?? '')]
  return {
    listUsers: () => ({ users: Object.keys(users) }),
    createUser: (_, p) => {
      const [username, password] = who(p)
      if (users[username!]) throw new RpcError(`user already exists: ${username}`)
      users[username!] = {
        password: digest(password!),
        data: String(p.data ?? `wallet of ${username}`)
      }
      save()
      return {}
    },
    exportUser: (_, p) => {
      const [username, password] = who(p)
      const u = users[username!]
      if (!u || u.password !== digest(password!)) throw new RpcError('incorrect password')
      const user = '0x' + Buffer.from(JSON.stringify({ username, ...u })).toString('hex')
      return { user, encoding: 'hex' }
    },
    importUser: (_, p) => {
      const [username, password] = who(p)
      if (users[username!]) throw new RpcError(`user already exists: ${username}`)
      const blob = JSON.parse(
        Buffer.from(String(p.user).replace(/^0x/, ''), 'hex').toString()
      ) as User
      if (blob.password !== digest(password!)) throw new RpcError('incorrect password')
      users[username!] = { password: blob.password, data: blob.data }
      save()
      return {}
    }
  }
}

/** gorilla/rpc v2 Server.ServeHTTP with the json2 codec, as avalanchego registers it. */
function serveRpc(
  req: IncomingMessage,
  res: ServerResponse,
  services: Record<string, Record<string, Handler>>
): void {
  const text = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
    res.end(body)
  }
  if (req.method !== 'POST') return text(405, `rpc: POST method required, received ${req.method}`)
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.toLowerCase()
  if (type !== 'application/json') return text(415, `rpc: unrecognized Content-Type: ${type}`)
  let body = ''
  req.on('data', c => (body += c))
  req.on('end', () => {
    let call: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown }
    const reply = (answer: object, always = false) => {
      if (call?.id === undefined || call.id === null) {
        if (!always) return void res.end() // a notification: no answer at all
      }
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'x-content-type-options': 'nosniff'
      })
      res.end(JSON.stringify({ jsonrpc: '2.0', ...answer, id: call?.id ?? null }) + '\n')
    }
    try {
      call = JSON.parse(body)
    } catch (e) {
      call = {}
      return reply({ error: { code: -32700, message: (e as Error).message, data: null } }, true)
    }
    if (call.jsonrpc !== '2.0')
      return reply({ error: { code: -32600, message: 'jsonrpc must be 2.0', data: call } })
    try {
      const handler = lookup(services, String(call.method ?? ''))
      const params = (Array.isArray(call.params) ? call.params[0] : call.params) ?? {}
      reply({ result: handler(String(call.method), params as Record<string, unknown>) })
    } catch (e) {
      if (!(e instanceof RpcError)) throw e
      reply({ error: { code: -32000, message: e.message, data: null } })
    }
  })
}

/** api/server/allowed_hosts.go: no Host, an IP, or a listed name (default localhost), else 403. */
function hostAllowed(host: string | undefined, allowed: string[]): boolean {
  if (!host || allowed.includes('*')) return true
  const name = /^\[(.*)\](:\d+)?$/.exec(host)?.[1] ?? host.replace(/:\d+$/, '')
  return isIP(name) !== 0 || allowed.includes(name.toLowerCase())
}

function health(res: ServerResponse, path: string, who: ApiIdentity, healthy: boolean): void {
  const checks =
    path === '/ext/health/liveness'
      ? {}
      : {
          bls: {
            message: { nodeID: who.nodeId },
            timestamp: new Date().toISOString(),
            duration: 1000
          },
          bootstrapped: {
            message: healthy ? [] : ['P', 'X', 'C'],
            ...(healthy ? {} : { error: 'subnets not bootstrapped' })
          }
        }
  const ok = path === '/ext/health/liveness' || healthy
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ checks, healthy: ok }) + '\n')
}

export interface Api {
  /** http://HOST:PORT as the listener gives it (process.json's uri). */
  uri: string
  serve(): void
  close(): void
}

/** Binds the API port now; requests wait until serve(). */
export async function serveApi(
  config: NodeConfig,
  simulation: Simulation,
  dataDir: string,
  who: ApiIdentity
): Promise<Api> {
  let servedAt = 0
  const bootstrapped = () => Date.now() - servedAt >= (simulation.bootstrapDelayMs ?? 0)
  const services: Record<string, Record<string, Handler>> = {}
  if (config.bool('api-info-enabled')) services.info = infoService(simulation, who, bootstrapped)
  const keystore = simulation.keystore ? keystoreService(dataDir) : undefined
  const allowed = config
    .get('http-allowed-hosts')
    .split(',')
    .map(h => h.trim().toLowerCase())
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, allowed)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
      return void res.end('invalid host specified\n')
    }
    const path = (req.url ?? '').split('?')[0]!
    if (req.method === 'GET' && /^\/ext\/health(\/liveness|\/readiness|\/health)?$/.test(path))
      return health(res, path, who, bootstrapped())
    if (path === '/ext/info' && services.info) return serveRpc(req, res, { info: services.info })
    if (path === '/ext/keystore' && keystore) return serveRpc(req, res, { keystore })
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('404 page not found\n')
  }
  const waiting: (() => void)[] = []
  const server = createServer((req, res) => {
    if (!servedAt) return void waiting.push(() => handle(req, res))
    handle(req, res)
  })
  const host = config.get('http-host')
  const port = Number(config.get('http-port'))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host === '' ? '::' : host, () => resolve())
  })
  const a = server.address() as { address: string; port: number }
  const shown = a.address.includes(':') ? `[${a.address}]` : a.address
  return {
    uri: `http://${shown}:${a.port}`,
    serve() {
      servedAt = Date.now()
      for (const serve of waiting.splice(0)) serve()
    },
    close() {
      server.close()
      server.closeAllConnections()
    }
  }
}
