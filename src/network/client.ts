import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { parsePeers, parseValidator, rpcResult, type PeerSeen, type Validator } from './replies.js'

/** The network API could not be asked (unreachable, not trusted, not an avalanchego API). */
export class NetworkUnreachable extends Error {
  override readonly name = 'NetworkUnreachable'
}

const MAX_BODY = 4 << 20

/**
 * An avalanchego API on the network (network-api): public calls only, no secret. HTTPS with the
 * system's certificate checks (plus NODE_EXTRA_CA_CERTS, as Node reads it); http:// only for a
 * loopback address (checked in the settings). Each call has its own short timeout.
 */
export class NetworkApi {
  private nextId = 1

  constructor(
    readonly url: URL,
    private readonly timeoutMs = 5_000
  ) {}

  /** Where it is, for messages: scheme, host and port only (a path may hold a provider's key). */
  get origin(): string {
    return this.url.origin
  }

  /** info.peers for one NodeID: the connections the answering node has with it. */
  async peers(nodeId: string): Promise<PeerSeen[]> {
    return parsePeers(await this.call('/ext/info', 'info.peers', { nodeIDs: [nodeId] }), nodeId)
  }

  /** platform.getCurrentValidators for one NodeID (primary network); undefined: not a validator. */
  async validator(nodeId: string): Promise<Validator | undefined> {
    const result = await this.call('/ext/bc/P', 'platform.getCurrentValidators', {
      nodeIDs: [nodeId]
    })
    return parseValidator(result, nodeId)
  }

  private async call(path: string, method: string, params: object): Promise<unknown> {
    const id = this.nextId++
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
    const res = await this.post(path, body)
    if (res.status !== 200)
      throw new NetworkUnreachable(
        `${this.origin} answered ${method} with HTTP ${res.status}${res.status === 404 ? ' (is it an avalanchego API? the path is the base URL, without /ext/…)' : ''}`
      )
    try {
      return rpcResult(res.body, id, method)
    } catch (e) {
      throw new NetworkUnreachable(`${this.origin}: ${(e as Error).message}`)
    }
  }

  private post(path: string, body: string): Promise<{ status: number; body: string }> {
    const base = this.url.pathname.replace(/\/+$/, '')
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer)
        req.destroy()
        reject(new NetworkUnreachable(`${this.origin} cannot be asked: ${why}`))
      }
      const req = request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || undefined,
          method: 'POST',
          path: `${base}${path}`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
        },
        res => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > MAX_BODY) fail('the answer is larger than 4 MB')
            else chunks.push(c)
          })
          res.on('end', () => {
            clearTimeout(timer)
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
          })
          res.on('error', e => fail(describe(e)))
        }
      )
      // One deadline for the whole call: connect, TLS, the answer.
      const timer = setTimeout(
        () => fail(`no answer within ${this.timeoutMs / 1000} s`),
        this.timeoutMs
      )
      req.on('error', e => fail(describe(e)))
      req.end(body)
    })
  }
}

/** Node's network and TLS errors in our words (they can quote the address, which is an input). */
function describe(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found'
    case 'ECONNRESET':
      return 'the connection was reset'
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "its TLS certificate is not for this host name (the certificate's names do not include it)"
    case 'CERT_HAS_EXPIRED':
      return 'its TLS certificate has expired'
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'its TLS certificate is not signed by a trusted authority (a private CA can be given to Node with NODE_EXTRA_CA_CERTS)'
    default:
      return /SSL|TLS|wrong version/i.test(e.message)
        ? 'the TLS handshake failed (is it HTTPS?)'
        : `the connection failed (${e.code ?? 'error'})`
  }
}
