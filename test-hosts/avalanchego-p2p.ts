// The simulated avalanchego's staking port (network/network.go, network/peer/tls_config.go,
// network/throttling/inbound_conn_upgrade_throttler.go): bound during start-up, accepting only
// once the node dispatches; TLS 1.3 only with the node's certificate and a client certificate
// required without CA checks; and the upgrade throttle: from one non-loopback IP one connection
// is upgraded per cooldown (10 s by default), further ones in that window are closed before the
// TLS handshake.

import type { X509Certificate } from 'node:crypto'
import { createServer as createNetServer, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { durationMs, type NodeConfig } from './avalanchego-config.ts'

export interface StakingPort {
  /** The bound address as netip.AddrPort prints it (process.json's stakingAddress), e.g. [::]:9651. */
  address: string
  serve(): void
  close(): void
}

function acceptableClient(cert: X509Certificate | undefined): boolean {
  if (!cert) return false
  const key = cert.publicKey
  const d = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'ec') return d.namedCurve === 'prime256v1'
  if (key.asymmetricKeyType !== 'rsa') return false
  const n = Buffer.from(key.export({ format: 'jwk' }).n!, 'base64url')
  return (
    (d.modulusLength === 2048 || d.modulusLength === 4096) &&
    (n.at(-1)! & 1) === 1 &&
    d.publicExponent === 65537n
  )
}

const isLoopback = (ip: string) => /^(::ffff:)?127\./.test(ip) || ip === '::1'

export async function serveStakingPort(
  config: NodeConfig,
  pair: { cert: string; key: string }
): Promise<StakingPort> {
  const tls = createTlsServer(
    {
      cert: pair.cert,
      key: pair.key,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: false
    },
    socket => {
      socket.on('error', () => {})
      // Go's RequireAnyClientCert, then peer.ValidateCertificate: a P-256 or well-formed RSA key.
      if (!acceptableClient(socket.getPeerX509Certificate())) return socket.destroy()
      // A peer would now send its version message; the node drops one that stays silent.
      socket.setTimeout(10_000, () => socket.destroy())
      socket.resume()
    }
  )
  tls.on('tlsClientError', () => {})
  const cooldown = durationMs(config.get('network-inbound-connection-throttling-cooldown'))
  const recent = new Map<string, number>()
  const upgrade = (socket: Socket) => {
    socket.on('error', () => {})
    const ip = socket.remoteAddress ?? ''
    const now = Date.now()
    if (cooldown > 0 && !isLoopback(ip)) {
      if ((recent.get(ip) ?? 0) > now) return socket.destroy() // rate-limited: closed before TLS
      recent.set(ip, now + cooldown)
    }
    tls.emit('connection', socket)
  }
  let serving = false
  const waiting: Socket[] = []
  const server = createNetServer({ pauseOnConnect: true }, socket => {
    if (!serving) return void waiting.push(socket)
    upgrade(socket)
  })
  const host = config.get('staking-host')
  const port = Number(config.get('staking-port'))
  await new Promise<void>((resolve, reject) => {
    const listen = (h: string) => server.listen(port, h, () => resolve())
    server.once('error', (e: NodeJS.ErrnoException) => {
      // A machine without IPv6: all interfaces are IPv4's.
      if (host === '' && e.code === 'EAFNOSUPPORT') listen('0.0.0.0')
      else reject(e)
    })
    listen(host === '' ? '::' : host)
  })
  const a = server.address() as { address: string; port: number }
  return {
    address: a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`,
    serve() {
      serving = true
      for (const s of waiting.splice(0)) upgrade(s)
    },
    close() {
      server.close()
      tls.close()
    }
  }
}
