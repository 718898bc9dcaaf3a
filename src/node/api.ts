import { request } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Log } from '../log.js'
import { parseHealth, type HealthReport } from '../network/replies.js'
import {
  ConnectionLost,
  ForwardingRefused,
  sh,
  type HostTransport
} from '../transport/transport.js'

export interface NodeIdAnswer {
  nodeID: string
  nodePOP?: { publicKey: string; proofOfPossession: string }
}

export interface Health {
  status: number
  healthy: boolean
}

const REQUEST_TIMEOUT_MS = 3000

/**
 * The node's API as seen on the host (api-url, by default http://127.0.0.1:9650), reached through
 * the transport: SSH port forwarding, or `curl` on the host when the host forbids forwarding.
 */
export class NodeApi {
  private viaCurl = false

  constructor(
    readonly transport: HostTransport,
    private readonly url: URL,
    private readonly log: Log
  ) {}

  /** info.getNodeID; undefined when nothing answers (the node is down or still starting). */
  async getNodeId(): Promise<NodeIdAnswer | undefined> {
    try {
      const result = (await this.rpc('/ext/info', 'info.getNodeID')) as NodeIdAnswer | undefined
      return result?.nodeID ? result : undefined
    } catch (e) {
      // A lost connection is the caller's to handle; anything else means "not answering yet".
      if (e instanceof ConnectionLost) throw e
      return undefined
    }
  }

  /**
   * A JSON-RPC call on an API endpoint (e.g. /ext/keystore). Resolves to the result; rejects with
   * the node's error message, or 'not available' when the endpoint does not exist.
   */
  async rpc(path: string, method: string, params: object = {}): Promise<unknown> {
    const res = await this.call(
      'POST',
      path,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
    )
    if (!res) throw new Error(`the node's API does not answer ${path}`)
    if (res.status === 404)
      throw new RpcUnavailable(`${path} is not served (the API is not enabled)`)
    let body: { result?: unknown; error?: { code?: number; message?: string } }
    try {
      body = JSON.parse(res.body)
    } catch {
      throw new Error(`${path} answered HTTP ${res.status} without JSON`)
    }
    if (body.error) {
      // gorilla/rpc answers an unknown service or method with -32000 (its E_SERVER, for every
      // server-side error), not JSON-RPC's -32601: tell them apart by its message.
      if (
        body.error.code === -32601 ||
        /^rpc: can't find (service|method) /.test(body.error.message ?? '')
      )
        throw new RpcUnavailable(`${method} is not available on this node`)
      throw new Error(body.error.message ?? `${method} failed`)
    }
    return body.result
  }

  async health(): Promise<Health | undefined> {
    const res = await this.call('GET', '/ext/health')
    if (!res) return undefined
    try {
      return {
        status: res.status,
        healthy: (JSON.parse(res.body) as { healthy?: boolean }).healthy === true
      }
    } catch {
      return { status: res.status, healthy: false }
    }
  }

  /** /ext/health with its checks; undefined when nothing answers (the node is down or starting). */
  async healthReport(): Promise<HealthReport | undefined> {
    const res = await this.call('GET', '/ext/health')
    if (!res) return undefined
    try {
      return parseHealth(res.body)
    } catch {
      return undefined
    }
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: string
  ): Promise<{ status: number; body: string } | undefined> {
    if (!this.viaCurl) {
      let stream: Duplex
      try {
        stream = await this.transport.openTcp(this.url.hostname, Number(this.url.port || 80))
      } catch (e) {
        if (e instanceof ConnectionLost) throw e
        if (!(e instanceof ForwardingRefused)) return undefined
        this.viaCurl = true
        this.log.warning(
          `${e.message}: asking the node's API with curl on the host instead (install curl there if this fails).`
        )
        return this.call(method, path, body)
      }
      return httpOver(stream, this.url, method, path, body)
    }
    const cmd =
      `curl -s -m ${REQUEST_TIMEOUT_MS / 1000} -w '\\n%{http_code}' -X ${method} ` +
      (body ? `-H 'content-type: application/json' --data-binary @- ` : '') +
      sh(new URL(path, this.url).toString())
    const r = await this.transport.exec(cmd, body ? Buffer.from(body) : undefined)
    if (r.code !== 0) return undefined
    const text = r.stdout.toString()
    const cut = text.lastIndexOf('\n')
    return { status: Number(text.slice(cut + 1)), body: text.slice(0, cut) }
  }
}

function httpOver(
  stream: Duplex,
  url: URL,
  method: string,
  path: string,
  body?: string
): Promise<{ status: number; body: string } | undefined> {
  return new Promise(resolve => {
    const req = request({
      createConnection: () => stream as never,
      host: url.hostname,
      port: url.port || 80,
      method,
      path,
      headers: { 'content-type': 'application/json', connection: 'close' },
      timeout: REQUEST_TIMEOUT_MS
    })
    req.on('response', res => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      res.on('error', () => resolve(undefined))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end(body)
  })
}

/** The endpoint or method does not exist on this node (an API that is disabled or removed). */
export class RpcUnavailable extends Error {
  override readonly name = 'RpcUnavailable'
}
