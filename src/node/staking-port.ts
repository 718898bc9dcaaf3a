import { generateKeyPairSync, sign } from 'node:crypto'
import { connect } from 'node:tls'
import { nodeIdFromCertificate } from '../identity/node-id.js'
import { toPem } from '../identity/pem.js'

export interface ProbeAnswer {
  host: string
  port: number
  nodeId?: string
  /** Milliseconds from the TCP connect to the finished TLS handshake. */
  tlsMs?: number
  error?: string
}

// A minimal DER writer for the one certificate a probe presents.
const len = (n: number) => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff])
const tlv = (tag: number, ...parts: Uint8Array[]) => {
  const body = Buffer.concat(parts)
  return Buffer.concat([Buffer.from([tag, ...len(body.length)]), body])
}
const ECDSA_SHA256 = tlv(0x30, Buffer.from('06082a8648ce3d040302', 'hex'))

/**
 * A throwaway self-signed P-256 certificate: the node requires a client certificate
 * (RequireAnyClientCert) and checks nothing else about it. Made once per run, never stored.
 */
export function throwawayClientCertificate(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const time = (s: string) => tlv(0x17, Buffer.from(s))
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.from([1])),
    ECDSA_SHA256,
    tlv(0x30),
    tlv(0x30, time('000101000000Z'), time('491231000000Z')),
    tlv(0x30),
    publicKey.export({ type: 'spki', format: 'der' })
  )
  const signature = sign('sha256', tbs, privateKey)
  const der = tlv(0x30, tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature))
  return {
    cert: toPem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}

/**
 * avalanchego upgrades one inbound connection per IP per 10 s and closes the others before the
 * TLS handshake (network/throttling/inbound_conn_upgrade_throttler.go; loopback is exempt). A
 * probe closed that way tries again, once a second, until one cooldown has passed.
 */
const THROTTLE_COOLDOWN_MS = 10_000
const RETRY_EVERY_MS = 1000

/**
 * The NodeID a node proves on its staking port: a TLS 1.3 handshake with a client certificate,
 * then the NodeID of the certificate it presents. One connection, closed right away; when the
 * node's throttle closes it before TLS (another connection from this address within 10 s), again
 * after a pause, for up to one cooldown.
 */
export async function probeStakingPort(
  host: string,
  port: number,
  client: { cert: string; key: string },
  timeoutMs: number,
  throttleWaitMs = THROTTLE_COOLDOWN_MS + RETRY_EVERY_MS
): Promise<ProbeAnswer> {
  const giveUpAt = Date.now() + throttleWaitMs
  for (;;) {
    const a = await handshake(host, port, client, timeoutMs)
    if (!a.closedBeforeTls) return a.answer
    if (Date.now() + RETRY_EVERY_MS > giveUpAt) {
      return {
        host,
        port,
        error: `closed before the TLS handshake at every try for ${Math.round(throttleWaitMs / 1000)} s: avalanchego does that to all but one connection per 10 s from one address, so if this is the staking port, something else at this address keeps connecting to it`
      }
    }
    await new Promise(r => setTimeout(r, RETRY_EVERY_MS))
  }
}

function handshake(
  host: string,
  port: number,
  client: { cert: string; key: string },
  timeoutMs: number
): Promise<{ answer: ProbeAnswer; closedBeforeTls?: boolean }> {
  return new Promise(resolve => {
    const started = performance.now()
    const done = (a: Omit<ProbeAnswer, 'host' | 'port'>, closedBeforeTls = false) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ answer: { host, port, ...a }, closedBeforeTls })
    }
    const socket = connect({
      host,
      port,
      ...client,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      rejectUnauthorized: false, // the NodeID is the identity, not a CA chain
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host })
    })
    const timer = setTimeout(
      () => done({ error: `no TLS handshake within ${timeoutMs / 1000} s` }),
      timeoutMs
    )
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate(true)?.raw
      if (!raw) return done({ error: 'the node presented no certificate' })
      done({ nodeId: nodeIdFromCertificate(raw), tlsMs: Math.round(performance.now() - started) })
    })
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done({ error: describe(e, port) }, e.code === 'ECONNRESET')
    )
  })
}

function describe(e: NodeJS.ErrnoException, port: number): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused: nothing listens on port ${port}`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found'
    case 'ECONNRESET':
      return 'the connection was reset during the TLS handshake'
    default:
      if (
        /wrong version number|packet length too long|unexpected eof|tlsv1 alert protocol version|unsupported protocol/i.test(
          e.message
        )
      ) {
        return `port ${port} does not speak TLS 1.3 (is it the staking port?)`
      }
      return e.message
  }
}
