import { spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync, sign } from 'node:crypto'
import { connect as tcpConnect, createServer } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { selfSignedCertificate } from '../../test-hosts/der.js'
import type { NodeHost } from '../../test-hosts/host.js'

/** Runs a command on the host through the OpenSSH client, as ubuntu. */
export function ssh(host: NodeHost, command: string, extra: string[] = []) {
  const r = spawnSync('ssh', [...host.sshArgs(), ...extra, `ubuntu@${host.address}`, command], {
    encoding: 'utf8',
    timeout: 20_000
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** An OpenSSH local forward to the host's 127.0.0.1:remotePort; close() ends it. */
export async function tunnel(host: NodeHost, remotePort: number) {
  const port = await freePort()
  // LogLevel first: ssh takes the first value given, and the forward's refusal is logged at INFO.
  const child = spawn(
    'ssh',
    [
      '-o',
      'LogLevel=INFO',
      ...host.sshArgs(),
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-L',
      `127.0.0.1:${port}:127.0.0.1:${remotePort}`,
      `ubuntu@${host.address}`
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let stderr = ''
  child.stderr.on('data', d => (stderr += d))
  const until = Date.now() + 10_000
  while (Date.now() < until && child.exitCode === null) {
    const open = await new Promise<boolean>(r => {
      const s = tcpConnect(port, '127.0.0.1')
        .once('connect', () => (s.destroy(), r(true)))
        .once('error', () => r(false))
    })
    if (open) break
    await new Promise(r => setTimeout(r, 50))
  }
  return { port, child, stderr: () => stderr, close: () => child.kill() }
}

/** POSTs a JSON-RPC call to an avalanchego API at base (e.g. http://127.0.0.1:PORT). */
export async function rpc(base: string, method: string, params: object = {}): Promise<unknown> {
  const res = await fetch(`${base}/ext/info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  })
  return ((await res.json()) as { result: unknown }).result
}

function pem(type: string, der: Buffer): string {
  return `-----BEGIN ${type}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${type}-----\n`
}

/**
 * Connects to a staking port with TLS 1.3 and, unless told otherwise, a throwaway self-signed P-256
 * client certificate. Resolves to the certificate the node presents, and whether the node closed
 * the connection within a second (it does when the client presents no certificate).
 */
export function stakingPort(
  address: string,
  port = 9651,
  withClientCert = true
): Promise<{ certificate: Buffer; closedByNode: boolean }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = selfSignedCertificate(
    publicKey.export({ type: 'spki', format: 'der' }),
    tbs => sign('sha256', tbs, privateKey),
    '1.2.840.10045.4.3.2'
  )
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: address,
      port,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: false,
      ...(withClientCert
        ? {
            cert: pem('CERTIFICATE', der),
            key: privateKey.export({ type: 'pkcs8', format: 'pem' })
          }
        : {})
    })
    let connected = false
    socket.on('error', () => {})
    socket.once('secureConnect', () => {
      connected = true
      const certificate = socket.getPeerCertificate(true).raw
      const timer = setTimeout(() => {
        socket.destroy()
        resolve({ certificate, closedByNode: false })
      }, 1000)
      socket.once('close', () => {
        clearTimeout(timer)
        resolve({ certificate, closedByNode: true })
      })
      socket.resume()
    })
    socket.once('close', () => {
      if (!connected) reject(new Error('closed before the TLS handshake completed'))
    })
  })
}
