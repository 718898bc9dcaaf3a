import ssh2, { type Client as SshClient, type ClientChannel, type ConnectConfig } from 'ssh2'
// ssh2 is CommonJS: Node's ESM loader sees only some of its names (not `utils`), so the source
// takes them from the default export; it then runs unbundled too (e.g. under @github/local-action).
const { Client } = ssh2
type Client = SshClient
import type { Duplex } from 'node:stream'
import type { Log } from '../log.js'
import {
  fingerprint,
  howToGetHostKey,
  keyBlobType,
  knownHostsName,
  nextOffer,
  type HostKeyPins
} from './host-keys.js'
import { holdStreams } from './hold.js'
import {
  ConnectionLost,
  ForwardingRefused,
  type ExecResult,
  type Held,
  type HostTransport
} from './transport.js'

/** One SSH login: where, as whom, with which key, and which host keys to trust there. */
export interface SshLogin {
  host: string
  port: number
  username: string
  /** The private key text (OpenSSH or PEM; ed25519, ECDSA or RSA). */
  privateKey: string
  passphrase?: string
  /** Pinned host keys for this host; required unless insecureSkipHostKeyCheck. */
  hostKeys?: HostKeyPins
}

export interface SshSettings extends SshLogin {
  insecureSkipHostKeyCheck: boolean
  /** How long each SSH connection (the jump host's, then the node's) may take to be ready. */
  connectTimeoutMs?: number
  /** A jump host: the connection to the node runs through it (a direct-tcpip channel). */
  proxy?: SshLogin
}

/** A connection refused before anything was sent: wrong host key, no host key, login refused. */
export class SshRefused extends Error {
  override readonly name = 'SshRefused'
}

/** One hop of the connection, with the input names its messages point at. */
export interface Hop extends SshLogin {
  /** `the jump host ` or empty: how messages name this host. */
  role: string
  /** The input names of this hop: '' for the node's (host-key), 'proxy-' for the jump host's. */
  prefix: '' | 'proxy-'
  insecure: boolean
  timeoutMs: number
  /** Opens the byte stream to the host through the jump host, once for each handshake. */
  via?: () => Promise<Duplex>
  /** For messages about the node through the jump host: ` through the jump host …`. */
  through: string
}

export interface Presented {
  fingerprint: string
  type: string
}

type Attempt =
  | { kind: 'ready'; client: Client; key: Presented }
  | { kind: 'untrusted'; key: Presented }
  | { kind: 'revoked'; key: Presented }
  | { kind: 'no-common-type'; hostOffers: string[] }

/**
 * One SSH connection for the whole run (through the jump host when one is given). Each host key
 * is checked against its pins before authentication, so a mismatch ends the run before any
 * credential or key material is sent.
 */
export async function connectSsh(settings: SshSettings, log: Log): Promise<HostTransport> {
  const timeoutMs = settings.connectTimeoutMs ?? 20_000
  const insecure = settings.insecureSkipHostKeyCheck
  let jump: Client | undefined
  let through = ''
  if (settings.proxy) {
    const p = settings.proxy
    const hop: Hop = {
      ...p,
      role: 'the jump host ',
      prefix: 'proxy-',
      insecure,
      timeoutMs,
      through
    }
    jump = (await login(hop, log)).client
    through = ` through the jump host ${p.host}:${p.port}`
  }
  try {
    const via = jump ? forwardThrough(jump, settings, through) : undefined
    const node: Hop = { ...settings, role: '', prefix: '', insecure, timeoutMs, through }
    const { client } = await login(via ? { ...node, via } : node, log)
    return new SshTransport(client, `${settings.username}@${settings.host}:${settings.port}`, jump)
  } catch (e) {
    jump?.end()
    throw e
  }
}

/** Logs in to one hop: one handshake per host key type at most, until a trusted key is seen. */
async function login(hop: Hop, log: Log): Promise<{ client: Client; key: Presented }> {
  const deadline = Date.now() + hop.timeoutMs
  const presented: Presented[] = []
  for (;;) {
    const offer = nextOffer(hop.hostKeys, new Set(presented.map(p => p.type)))
    if (!hop.insecure && !offer) throw mismatch(hop, presented)
    const a = await handshake(hop, hop.insecure ? undefined : offer?.algorithms, deadline)
    if (a.kind === 'ready') {
      if (hop.insecure)
        log.warning(
          `insecure-skip-host-key-check is on: the host key of ${hop.role}${hop.host} was NOT verified (it presented ${a.key.fingerprint}, ${a.key.type}). ` +
            `Anyone on the path could have received the node's identity. Pin it with ${hop.prefix}host-key.`
        )
      log.debug(
        `connected to ${hop.role}${hop.username}@${hop.host}:${hop.port}${hop.through}, host key ${a.key.fingerprint} (${a.key.type})`
      )
      return a
    }
    if (a.kind === 'revoked')
      throw new SshRefused(
        `${hop.role}${hop.host} presented the host key ${a.key.fingerprint} (${a.key.type}), which ${hop.prefix}host-key marks @revoked: refused. Nothing was sent to the host.`
      )
    if (a.kind === 'untrusted') {
      presented.push(a.key)
      continue
    }
    // No key of the offered types: after a first handshake, none of the types left.
    if (presented.length) throw mismatch(hop, presented)
    throw noCommonType(hop, a.hostOffers, offer?.algorithms ?? [])
  }
}

/** One SSH handshake offering `algorithms` for the host key; resolves with what came of it. */
function handshake(hop: Hop, algorithms: string[] | undefined, deadline: number): Promise<Attempt> {
  return new Promise<Attempt>((resolve, reject) => {
    const client = new Client()
    let key: Presented | undefined
    let verdict: 'untrusted' | 'revoked' | undefined
    let hostOffers: string[] = []
    let settled = false
    const fail = (e: Error & { level?: string; code?: string }) => {
      if (settled) return
      settled = true
      client.removeAllListeners('ready')
      // ssh2 may report more than one error for one failed handshake (a key-exchange failure, then
      // the server's reset as `read ECONNRESET`): this listener stays for the client's whole life.
      client.destroy()
      if (verdict && key) resolve({ kind: verdict, key })
      else if (/no matching host key format/i.test(e.message))
        resolve({ kind: 'no-common-type', hostOffers })
      else reject(refusal(hop, e))
    }
    client.on('error', fail)
    client.once('close', () =>
      fail(new Error('the connection was closed during the SSH handshake'))
    )
    client.once('ready', () => {
      settled = true
      // Small request/response packets: without this, Nagle's algorithm and delayed ACKs add
      // about 40 ms to every command (measured: 90 ms → 3 ms per exec on a local host).
      client.setNoDelay(true)
      resolve({ kind: 'ready', client, key: key! })
    })
    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.username,
      privateKey: hop.privateKey,
      ...(hop.passphrase ? { passphrase: hop.passphrase } : {}),
      readyTimeout: Math.max(1, deadline - Date.now()),
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
      // The only debug line used: the host key types the server offers, for the error message.
      debug: (line: string) => {
        const m = /^Handshake: \(remote\) Host key format: (.*)$/.exec(line)
        if (m) hostOffers = m[1]!.split(',').filter(a => /^[a-z0-9@.-]{1,64}$/.test(a))
      },
      hostVerifier: (blob: Buffer) => {
        key = { fingerprint: fingerprint(blob), type: keyBlobType(blob) }
        if (hop.hostKeys?.revoked.has(key.fingerprint)) verdict = 'revoked'
        else if (!hop.insecure && !hop.hostKeys?.fingerprints.has(key.fingerprint))
          verdict = 'untrusted'
        return !verdict
      }
    }
    if (!hop.via) return client.connect(config)
    withDeadline(hop.via(), deadline, () => timedOut(hop)).then(
      sock => client.connect({ ...config, sock }),
      (e: Error) => {
        settled = true
        reject(e)
      }
    )
  })
}

/** A direct-tcpip channel from the jump host to the node, as the node's socket. */
function forwardThrough(jump: Client, node: SshLogin, through: string) {
  return () =>
    new Promise<Duplex>((resolve, reject) => {
      jump.forwardOut('127.0.0.1', 0, node.host, node.port, (err, stream) => {
        if (!err) return resolve(stream)
        const reason = (err as Error & { reason?: number }).reason
        reject(
          new SshRefused(
            reason === 1 || /prohibited/i.test(err.message)
              ? `cannot reach ${node.host}:${node.port}${through}: the jump host does not allow TCP forwarding (sshd's AllowTcpForwarding).`
              : `cannot reach ${node.host}:${node.port}${through}: the jump host could not open a connection to it (${plain(err.message.replace(/^\(SSH\) Channel open failure: /, ''))}). ` +
                  'Check the address and port as the jump host sees them, and that the node is up.'
          )
        )
      })
    })
}

/** What to do when a connection waited its whole connect-timeout: usually a firewall. */
function firewallHint(hop: Pick<Hop, 'timeoutMs' | 'role' | 'through'>): string {
  const waited = `Waited ${hop.timeoutMs / 1000} s (connect-timeout).`
  if (hop.through) return `${waited} Check that the node admits SSH from the jump host.`
  const runners =
    'often admit SSH only from known addresses, which GitHub-hosted runners do not have'
  return hop.role
    ? `${waited} Firewalls ${runners}: let the jump host admit the runner, or run this job on a self-hosted runner that can reach it.`
    : `${waited} Node firewalls ${runners}: run this job on a self-hosted runner that can reach the node, or go through a jump host the node admits (proxy-host).`
}

export function timedOut(hop: Hop): SshRefused {
  return new SshRefused(
    `cannot reach ${hop.role}${hop.host}:${hop.port}${hop.through}: no SSH handshake in time. ${firewallHint(hop)}`
  )
}

function withDeadline<T>(p: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(1, deadline - Date.now()))
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** Text from the network, reduced to one plain line. */
export function plain(s: string): string {
  return s
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
}

/** The error for a failed handshake that is not about the host key. */
export function refusal(hop: Hop, e: Error & { level?: string; code?: string }): SshRefused {
  const where = `${hop.role}${hop.host}:${hop.port}${hop.through}`
  if (e.level === 'client-authentication')
    return new SshRefused(
      `SSH login as ${hop.username} on ${hop.role}${hop.host} was refused: the server did not accept ${hop.prefix}ssh-key. ` +
        `Check the user name (${hop.prefix}username) and that the key's public half is in ~${hop.username}/.ssh/authorized_keys.`
    )
  if (e.level === 'client-timeout' || e.code === 'ETIMEDOUT') return timedOut(hop)
  return new SshRefused(`cannot reach ${where}: ${plain(`${e.code ?? ''} ${e.message}`)}`)
}

/** No trusted key among the ones the host presented (one per handshake). */
export function mismatch(hop: Hop, presented: Presented[]): SshRefused {
  const keys = presented.map(p => `${p.fingerprint} (${p.type})`)
  const input = `${hop.prefix}host-key`
  const named = `${hop.role}${hop.host}`
  if (!hop.hostKeys)
    return new SshRefused(
      `${input} is required to trust ${named}. It presented ${keys.join(' and ')}: compare that with the host's own key before trusting it. ${howToGetHostKey(input)}`
    )
  const which =
    keys.length === 1
      ? `${keys[0]}, which is not in ${input}`
      : `${keys.join(' and ')}, none of which is in ${input}`
  const others =
    hop.hostKeys.fingerprints.size === 0 && hop.hostKeys.otherHosts > 0
      ? ` None of ${input}'s known_hosts lines is for ${knownHostsName(hop.host, hop.port)}: like OpenSSH, a line counts only for the host names it lists (\`[host]:port\` for ports other than 22).`
      : ''
  return new SshRefused(
    `host key mismatch: ${named} presented ${which}.${others} ` +
      `If the host was reinstalled, get its new key from a trusted place; otherwise someone may be intercepting the connection. Nothing was sent to the host.`
  )
}

/** The host has no key of the types the pins name. */
export function noCommonType(hop: Hop, hostOffers: string[], offered: string[]): SshRefused {
  const offers = hostOffers.length ? hostOffers.join(', ') : 'other types'
  return new SshRefused(
    `${hop.role}${hop.host} offers host keys ${offers}; ${hop.prefix}host-key names only ${offered.join(', ')}. ` +
      `Pin one of the host's own keys. ${howToGetHostKey(`${hop.prefix}host-key`)}`
  )
}

class SshTransport implements HostTransport {
  private lost: Error | undefined

  constructor(
    private readonly client: Client,
    readonly label: string,
    /** The jump host's connection the node's runs through: it ends with the node's. */
    private readonly jump?: Client
  ) {
    const mark = (e?: Error) => {
      this.lost ??= new ConnectionLost(
        `the SSH connection to ${label} was lost${e ? `: ${e.message}` : ''}`
      )
    }
    client.on('error', mark)
    client.on('close', () => {
      mark()
      // A reconnect opens a new jump connection: this one must not outlive its node connection.
      jump?.end()
    })
    jump?.on('error', e => mark(new Error(`the jump host's connection failed: ${e.message}`)))
    jump?.on('close', () => mark(new Error("the jump host's connection closed")))
  }

  /**
   * Runs a command on a new channel and hands the stream to `attach` inside ssh2's callback:
   * listeners must be on before control returns to ssh2, which may already hold the command's
   * output, exit status and close in the same packet (an 'exit' emitted to no listener is lost).
   */
  private channel<T>(
    command: string,
    attach: (stream: ClientChannel, resolve: (v: T) => void, reject: (e: Error) => void) => void
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lost)
      this.client.exec(command, (err, stream: ClientChannel) => {
        if (err)
          return reject(
            this.lost ?? new ConnectionLost(`cannot run a command on ${this.label}: ${err.message}`)
          )
        attach(stream, resolve, reject)
      })
    })
  }

  exec(command: string, stdin?: Buffer): Promise<ExecResult> {
    return this.channel<ExecResult>(command, (stream, resolve, reject) => {
      const out: Buffer[] = []
      let stderr = ''
      let code: number | null = null
      stream.on('data', (d: Buffer) => out.push(d))
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      stream.on('exit', (c: number | null, signal?: string) => {
        code = c
        if (signal) stderr += `(killed by SIG${signal})`
      })
      stream.on('close', () => {
        if (code === null && this.lost) reject(this.lost)
        else resolve({ code, stdout: Buffer.concat(out), stderr })
      })
      stream.end(stdin)
    })
  }

  openTcp(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lost)
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (!err) return resolve(stream)
        const reason = (err as Error & { reason?: number }).reason
        if (reason === 1 || /prohibited/i.test(err.message)) {
          reject(new ForwardingRefused(`${this.label} does not allow TCP forwarding`))
        } else {
          reject(
            this.lost ??
              new Error(`cannot connect to ${host}:${port} on ${this.label}: ${err.message}`)
          )
        }
      })
    })
  }

  hold(command: string): Promise<Held> {
    return this.channel<Held>(command, (stream, resolve, reject) => {
      let code: number | null = null
      stream.on('exit', (c: number | null) => (code = c))
      const ended = new Promise<number | null>(r => stream.on('close', () => r(code)))
      holdStreams(stream, stream, stream.stderr, ended).then(resolve, reject)
    })
  }

  async close(): Promise<void> {
    this.client.end()
    this.jump?.end()
  }
}
