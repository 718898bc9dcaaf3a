// A simulated avalanchego for the test node hosts: it reads, creates, refuses and reports its
// staking identity the way ../shared/docs/avalanchego.md says the real node does (config/config.go,
// staking/, utils/crypto/bls). It shares no code with src/: the NodeID and BLS key it reports are
// computed here independently, so the action and this node check each other.
//
// Run by the host's avalanchego.service as the node's user, with Node 24 (type stripping).
// Fault switches are read at each start from the JSON file named by ANB_SIMULATION (see Simulation).

import { bls12_381 } from '@noble/curves/bls12-381.js'
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject
} from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { selfSignedCertificate } from './der.ts'

export interface Simulation {
  /** Milliseconds between start and the API answering (the node's start-up; its port is bound at once and requests hang until then). */
  startDelayMs?: number
  /** Milliseconds after the API is up before info.isBootstrapped and health say true. */
  bootstrapDelayMs?: number
  /** Exit with an error right after start, as a node with a broken database or config would. */
  crashOnStart?: boolean
  /** A node before v1.8.6: info.getNodeID without nodePOP. */
  noPop?: boolean
  /** Answer info.getNodeID with this NodeID instead of the one the files give. */
  reportNodeId?: string
  /** The version info.getNodeVersion reports (default avalanchego/1.14.0). */
  version?: string
  /**
   * A node before v1.12.2 with --api-keystore-enabled: POST /ext/keystore serves createUser,
   * listUsers, exportUser and importUser; users persist in the data directory. Set `version` to
   * an old one (e.g. avalanchego/1.11.13) with it.
   */
  keystore?: boolean
  /** Faults that apply only when the node's files give this NodeID (e.g. only after a restore). */
  faultsFor?: Record<string, Omit<Simulation, 'faultsFor'>>
}

const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n
const POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

function fatal(message: string): never {
  // The node logs a fatal line and exits 1 (main/main.go).
  process.stderr.write(`[node] FATAL couldn't load node config: ${message}\n`)
  process.exit(1)
}

/** Flags as --key=value or --key value, a JSON --config-file, then AVAGO_* environment forms. */
function readConfig(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) continue
    const eq = a.indexOf('=')
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1))
    else flags.set(a.slice(2), argv[++i] ?? '')
  }
  const config = new Map<string, string>()
  const file = flags.get('config-file')
  if (file && existsSync(file)) {
    for (const [k, v] of Object.entries(JSON.parse(readFileSync(file, 'utf8')) as object)) {
      config.set(k, String(v))
    }
  }
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AVAGO_') && v !== undefined) {
      config.set(k.slice(6).toLowerCase().replace(/_/g, '-'), v)
    }
  }
  for (const [k, v] of flags) config.set(k, v)
  return config
}

const expand = (p: string) => p.replace(/^~(?=\/|$)/, homedir()).replace(/\$HOME/g, homedir())

function cb58(payload: Buffer): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  const full = Buffer.concat([payload, createHash('sha256').update(payload).digest().subarray(28)])
  let n = BigInt('0x' + full.toString('hex'))
  let s = ''
  while (n > 0n) {
    s = alphabet[Number(n % 58n)] + s
    n /= 58n
  }
  for (const b of full) {
    if (b !== 0) break
    s = '1' + s
  }
  return s
}

function nodeIdOf(der: Buffer): string {
  const sha = createHash('sha256').update(der).digest()
  return 'NodeID-' + cb58(createHash('ripemd160').update(sha).digest())
}

/**
 * staking.InitNodeStakingKeyPair: a new ECDSA P-256 key (PKCS#8) and self-signed certificate. Like
 * the node (os.Create, then chmod 0400), it writes the certificate first and fails when an old
 * read-only staker.crt is still there and the node does not run as root.
 */
function generateStakingKeyPair(keyPath: string, certPath: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const der = selfSignedCertificate(
    spki,
    tbs => sign('sha256', tbs, privateKey),
    '1.2.840.10045.4.3.2'
  )
  const pem = (type: string, body: Buffer) =>
    `-----BEGIN ${type}-----\n${body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${type}-----\n`
  mkdirSync(dirname(keyPath), { recursive: true, mode: 0o750 })
  const create = (path: string, what: string, data: string | Buffer) => {
    try {
      writeFileSync(path, data)
      chmodSync(path, 0o400)
    } catch (e) {
      const code =
        (e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (e as Error).message
      fatal(
        `couldn't generate staking key/cert: couldn't create ${what} file: open ${path}: ${code}`
      )
    }
  }
  create(certPath, 'cert', pem('CERTIFICATE', der))
  create(keyPath, 'key', privateKey.export({ type: 'pkcs8', format: 'pem' }))
}

/** staking.ParseCertificate's rules, checked here with Node's own X.509 reader. */
function checkCertificate(der: Buffer, x509: X509Certificate): void {
  if (der.length > 2048) fatal("couldn't parse staking certificate: certificate is too large")
  const pub = x509.publicKey
  const d = pub.asymmetricKeyDetails ?? {}
  if (pub.asymmetricKeyType === 'rsa') {
    const n = BigInt(
      '0x' + Buffer.from(pub.export({ format: 'jwk' }).n!, 'base64url').toString('hex')
    )
    if (d.modulusLength !== 2048 && d.modulusLength !== 4096)
      fatal('unsupported RSA modulus bitlen')
    if ((n & 1n) === 0n) fatal('RSA modulus is even')
    if (d.publicExponent !== 65537n) fatal('unsupported RSA public exponent')
  } else if (pub.asymmetricKeyType === 'ec') {
    if (d.namedCurve !== 'prime256v1') fatal('unsupported elliptic curve')
  } else {
    fatal(`unknown public key algorithm ${pub.asymmetricKeyType}`)
  }
}

function loadTls(
  config: Map<string, string>,
  dataDir: string
): { cert: Buffer; key: Buffer; der: Buffer } {
  const explicit = config.has('staking-tls-key-file') || config.has('staking-tls-cert-file')
  const keyPath = expand(
    config.get('staking-tls-key-file') ?? join(dataDir, 'staking', 'staker.key')
  )
  const certPath = expand(
    config.get('staking-tls-cert-file') ?? join(dataDir, 'staking', 'staker.crt')
  )
  if (explicit) {
    if (!existsSync(keyPath)) fatal(`couldn't find staking key at ${keyPath}`)
    if (!existsSync(certPath)) fatal(`couldn't find staking certificate at ${certPath}`)
  } else if (!existsSync(keyPath)) {
    // The silent trap: with default paths a missing key means a brand-new identity.
    generateStakingKeyPair(keyPath, certPath)
  }
  let cert: Buffer
  let key: Buffer
  try {
    cert = readFileSync(certPath)
    key = readFileSync(keyPath)
  } catch (e) {
    fatal(`couldn't read staking certificate: ${(e as Error).message}`)
  }
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(cert.toString())
  if (!block)
    fatal(
      "couldn't read staking certificate: tls: failed to find any PEM data in certificate input"
    )
  let x509: X509Certificate
  let privateKey: KeyObject
  try {
    x509 = new X509Certificate(block[0])
  } catch {
    fatal("couldn't read staking certificate: x509: malformed certificate")
  }
  try {
    privateKey = createPrivateKey(key)
  } catch {
    fatal("couldn't read staking certificate: tls: failed to parse private key")
  }
  if (!x509.checkPrivateKey(privateKey)) {
    fatal("couldn't read staking certificate: tls: private key does not match public key")
  }
  checkCertificate(x509.raw, x509)
  return { cert, key, der: x509.raw }
}

function loadSigner(config: Map<string, string>, dataDir: string): Buffer {
  const path = expand(
    config.get('staking-signer-key-file') ?? join(dataDir, 'staking', 'signer.key')
  )
  if (existsSync(path)) {
    let bytes: Buffer
    try {
      bytes = readFileSync(path)
    } catch (e) {
      fatal(`couldn't read signing key: ${(e as Error).message}`)
    }
    const sk = bytes.length === 32 ? BigInt('0x' + bytes.toString('hex')) : -1n
    if (sk <= 0n || sk >= R) fatal("couldn't parse signing key: failed to parse secret key")
    return bytes
  }
  if (config.has('staking-signer-key-file')) fatal('missing staking signing key file')
  const sk = randomBytes(32)
  sk[0] = sk[0]! & 0x3f
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 })
  writeFileSync(path, sk, { mode: 0o640 })
  chmodSync(path, 0o400)
  return sk
}

function main(): void {
  const simulation: Simulation =
    process.env.ANB_SIMULATION && existsSync(process.env.ANB_SIMULATION)
      ? JSON.parse(readFileSync(process.env.ANB_SIMULATION, 'utf8'))
      : {}
  const config = readConfig(process.argv.slice(2))
  const dataDir = expand(config.get('data-dir') ?? join(homedir(), '.avalanchego'))
  if (simulation.crashOnStart) fatal('simulated crash on start')

  const tls = loadTls(config, dataDir)
  const signer = loadSigner(config, dataDir)
  Object.assign(simulation, simulation.faultsFor?.[nodeIdOf(tls.der)] ?? {})
  if (simulation.crashOnStart) fatal('simulated crash on start')
  const nodeId = simulation.reportNodeId ?? nodeIdOf(tls.der)
  const bls = bls12_381.longSignatures
  const publicKey = bls.getPublicKey(signer).toBytes(true)
  const pop = bls.sign(bls.hash(publicKey, POP_DST), signer).toBytes(true)
  const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex')

  const httpHost = config.get('http-host') ?? '127.0.0.1'
  const httpPort = Number(config.get('http-port') ?? 9650)
  const stakingPort = Number(config.get('staking-port') ?? 9651)
  const startedAt = Date.now()
  const bootstrapped = () => Date.now() - startedAt >= (simulation.bootstrapDelayMs ?? 0)

  // The keystore (removed in v1.12.2): users and their data, exported as hex of a blob that only
  // the user's password opens again (here: the data with a password digest, which is enough to
  // tell a right import from a wrong one).
  const keystoreFile = join(dataDir, 'keystore.json')
  type KeystoreUser = { password: string; data: string }
  const users: Record<string, KeystoreUser> = existsSync(keystoreFile)
    ? JSON.parse(readFileSync(keystoreFile, 'utf8'))
    : {}
  const digest = (p: string) => createHash('sha256').update(p).digest('hex')
  const keystoreCall = (method: string, params: Record<string, unknown>): unknown => {
    const username = String(params.username ?? '')
    const password = String(params.password ?? '')
    const save = () => writeFileSync(keystoreFile, JSON.stringify(users), { mode: 0o600 })
    switch (method) {
      case 'keystore.listUsers':
        return { users: Object.keys(users) }
      case 'keystore.createUser':
        if (users[username]) throw new Error(`user already exists: ${username}`)
        users[username] = {
          password: digest(password),
          data: String(params.data ?? `wallet of ${username}`)
        }
        save()
        return {}
      case 'keystore.exportUser': {
        const u = users[username]
        if (!u || u.password !== digest(password)) throw new Error('incorrect password')
        return {
          user: '0x' + Buffer.from(JSON.stringify({ username, ...u })).toString('hex'),
          encoding: 'hex'
        }
      }
      case 'keystore.importUser': {
        if (users[username]) throw new Error(`user already exists: ${username}`)
        const blob = JSON.parse(
          Buffer.from(String(params.user).replace(/^0x/, ''), 'hex').toString()
        ) as KeystoreUser
        if (blob.password !== digest(password)) throw new Error('incorrect password')
        users[username] = { password: blob.password, data: blob.data }
        save()
        return {}
      }
      default:
        throw Object.assign(new Error(`the method ${method} does not exist/is not available`), {
          code: -32601
        })
    }
  }

  const rpc = (method: string, params: Record<string, unknown>): unknown => {
    switch (method) {
      case 'info.getNodeID':
        return simulation.noPop
          ? { nodeID: nodeId }
          : { nodeID: nodeId, nodePOP: { publicKey: hex(publicKey), proofOfPossession: hex(pop) } }
      case 'info.isBootstrapped':
        if (!['P', 'X', 'C'].includes(String(params.chain)))
          throw new Error(`there is no chain with alias/ID '${String(params.chain)}'`)
        return { isBootstrapped: bootstrapped() }
      case 'info.getNodeVersion':
        return {
          version: simulation.version ?? 'avalanchego/1.14.0',
          databaseVersion: 'v1.4.5',
          rpcProtocolVersion: '42',
          gitCommit: 'simulated',
          vmVersions: {}
        }
      default:
        if (method.startsWith('keystore.') && simulation.keystore)
          return keystoreCall(method, params)
        throw Object.assign(new Error(`the method ${method} does not exist/is not available`), {
          code: -32601
        })
    }
  }

  // The HTTP port is bound at once but served only once start-up is done: until then requests
  // hang (they are not refused), as on a real node (docs/avalanchego.md, "The API").
  let served = false
  const waiting: (() => void)[] = []
  const api = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!served) return void waiting.push(() => handle(req, res))
    handle(req, res)
  })
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && /^\/ext\/health(\/liveness|\/readiness)?$/.test(req.url ?? '')) {
      const healthy = bootstrapped()
      const checks = {
        bls: { message: { nodeID: nodeId }, timestamp: new Date().toISOString(), duration: 1000 },
        bootstrapped: {
          message: healthy ? [] : ['P', 'X', 'C'],
          ...(healthy ? {} : { error: 'subnets not bootstrapped' })
        }
      }
      return send(healthy ? 200 : 503, { checks, healthy })
    }
    const endpoint = req.url === '/ext/info' || (req.url === '/ext/keystore' && simulation.keystore)
    if (req.method !== 'POST' || !endpoint) return send(404, { error: 'not found' })
    let body = ''
    req.on('data', c => (body += c))
    req.on('end', () => {
      let id: unknown = null
      try {
        const call = JSON.parse(body) as {
          id?: unknown
          method?: string
          params?: Record<string, unknown>
        }
        id = call.id ?? null
        send(200, { jsonrpc: '2.0', id, result: rpc(call.method ?? '', call.params ?? {}) })
      } catch (e) {
        send(200, {
          jsonrpc: '2.0',
          id,
          error: { code: (e as { code?: number }).code ?? -32000, message: (e as Error).message }
        })
      }
    })
  }

  // The staking port: TLS 1.3 only, the node's certificate, and a client certificate required
  // without CA checks (network/peer/tls_config.go).
  const p2p = createTlsServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: false
    },
    socket => {
      socket.on('error', () => {})
      // Go's RequireAnyClientCert: no client certificate, no connection.
      if (Object.keys(socket.getPeerCertificate() ?? {}).length === 0) return socket.destroy()
      // A peer would now send its version message; hold the connection a while as the node does.
      socket.setTimeout(10_000, () => socket.destroy())
      socket.resume()
    }
  )
  p2p.on('tlsClientError', () => {})

  const stop = () => {
    api.close()
    p2p.close()
    process.stderr.write('[node] INFO shutting down\n')
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  api.listen(httpPort, httpHost)
  setTimeout(() => {
    p2p.listen(stakingPort, '0.0.0.0')
    // process.json is written before the API serves (node/node.go).
    {
      writeFileSync(
        join(dataDir, 'process.json'),
        JSON.stringify({
          pid: process.pid,
          uri: `http://${httpHost}:${httpPort}`,
          stakingAddress: `0.0.0.0:${stakingPort}`,
          // The simulation's own (epoch ms): they let the benchmark tell the node's start-up apart
          // from the time a restore adds around it.
          startedAt: Math.round(performance.timeOrigin),
          readyAt: Date.now()
        })
      )
      process.stderr.write(
        `[node] INFO initializing node {"nodeID": "${nodeId}"}\n[node] INFO API listening on ${httpHost}:${httpPort}\n`
      )
    }
    served = true
    for (const serve of waiting.splice(0)) serve()
  }, simulation.startDelayMs ?? 0)
}

main()
