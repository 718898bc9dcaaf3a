// A simulated avalanchego for the test node hosts: it reads, creates, refuses and reports its
// staking identity the way ../shared/docs/avalanchego.md says the real node does (config/,
// staking/, node/node.go, utils/crypto/bls), and it is as unkind as the real one: strict
// JSON-RPC (gorilla/rpc), a Host header check, an API port bound early but served late, the
// staking port's per-IP throttle, a graceful stop that takes time. It shares no code with src/:
// the NodeID and BLS key it reports are computed here independently, so the action and this node
// check each other.
//
// Run by the host's avalanchego.service as the node's user, with Node 24 (type stripping).
// Fault switches are read at each start from the JSON file named by ANB_SIMULATION (see Simulation).

import { bls12_381 } from '@noble/curves/bls12-381.js'
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  sign,
  X509Certificate
} from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { connect } from 'node:net'
import { dirname } from 'node:path'
import { serveApi } from './avalanchego-api.ts'
import {
  NodeStartError,
  resolveConfig,
  signerSource,
  tlsSource,
  type NodeConfig,
  type SignerSource,
  type TlsSource
} from './avalanchego-config.ts'
import { selfSignedCertificate } from './der.ts'
import { serveStakingPort } from './avalanchego-p2p.ts'

export interface Simulation {
  /** Milliseconds between start and the API answering (the node's start-up; its ports are bound at once and requests hang until then). */
  startDelayMs?: number
  /** Milliseconds after the API is up before info.isBootstrapped and health say true. */
  bootstrapDelayMs?: number
  /** Milliseconds a graceful stop (SIGTERM) takes before the process exits 0 (default 300). */
  stopDelayMs?: number
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
  /**
   * The BLS key (hex of 32 bytes) the remote signer at --staking-rpc-signer-endpoint holds. The
   * endpoint must accept a TCP connection (the simulation does not speak gRPC); without this key a
   * signer's key is derived from its endpoint, so it is stable and no file ever holds it.
   */
  remoteSignerKey?: string
  /** Faults that apply only when the node's files give this NodeID (e.g. only after a restore). */
  faultsFor?: Record<string, Omit<Simulation, 'faultsFor'>>
}

const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n
const POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

/** main.go prints the error on stdout and exits 1; `stage` is its prefix. */
function fatal(
  stage: 'configure flags' | 'load node config' | 'start node',
  message: string
): never {
  process.stdout.write(`couldn't ${stage}: ${message}\n`)
  process.exit(1)
}

const errno = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'EACCES'
    ? 'permission denied'
    : code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EISDIR'
        ? 'is a directory'
        : (e as Error).message
}

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

export function nodeIdOf(der: Buffer): string {
  const sha = createHash('sha256').update(der).digest()
  return 'NodeID-' + cb58(createHash('ripemd160').update(sha).digest())
}

const pem = (type: string, body: Buffer) =>
  `-----BEGIN ${type}-----\n${body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${type}-----\n`

/** staking.NewCertAndKeyBytes: a new ECDSA P-256 key (PKCS#8 PEM) and its self-signed certificate. */
function newCertAndKey(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = selfSignedCertificate(
    publicKey.export({ type: 'spki', format: 'der' }),
    tbs => sign('sha256', tbs, privateKey),
    '1.2.840.10045.4.3.2'
  )
  return {
    cert: pem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}

/**
 * staking.InitNodeStakingKeyPair: only when stat(staker.key) says ENOENT, a new pair; the
 * certificate is written first with os.Create, which fails on an old read-only staker.crt unless
 * the node runs as root (root truncates it and writes the new one: the silent trap).
 */
function initStakingKeyPair(keyPath: string, certPath: string): void {
  try {
    statSync(keyPath)
    return
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return
  }
  const { cert, key } = newCertAndKey()
  const fail = (m: string) => fatal('load node config', `couldn't generate staking key/cert: ${m}`)
  for (const [path, what] of [
    [certPath, 'cert'],
    [keyPath, 'key']
  ] as const) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o750 })
    } catch (e) {
      fail(`couldn't create path for ${what}: mkdir ${dirname(path)}: ${errno(e)}`)
    }
  }
  const create = (path: string, what: string, data: string) => {
    try {
      writeFileSync(path, data)
    } catch (e) {
      fail(`couldn't create ${what} file: open ${path}: ${errno(e)}`)
    }
    chmodSync(path, 0o400)
  }
  create(certPath, 'cert', cert)
  create(keyPath, 'key', key)
}

/** A DER element: its tag and where its body starts and ends. */
function tlvAt(b: Buffer, at: number): { tag: number; start: number; end: number } {
  let len = b[at + 1]!
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[start++]!
  }
  return { tag: b[at]!, start, end: start + len }
}

/** The certificate's public key bytes (the BIT STRING's content) and the key algorithm's OID. */
function subjectPublicKey(der: Buffer): { algorithm: string; key: Buffer } {
  const tbs = tlvAt(der, tlvAt(der, 0).start)
  let p = tbs.start
  if (tlvAt(der, p).tag === 0xa0) p = tlvAt(der, p).end
  for (let k = 0; k < 5; k++) p = tlvAt(der, p).end // serial, signature, issuer, validity, subject
  const spki = tlvAt(der, p)
  const alg = tlvAt(der, spki.start)
  const oid = tlvAt(der, alg.start)
  const bits = tlvAt(der, alg.end)
  return {
    algorithm: der.subarray(oid.start, oid.end).toString('hex'),
    key: der.subarray(bits.start + 1, bits.end)
  }
}

const OID_EC = '2a8648ce3d0201'
const OID_RSA = '2a864886f70d010101'

/**
 * Go's tls.X509KeyPair: the first CERTIFICATE block, the first block whose label is PRIVATE KEY
 * or ends in " PRIVATE KEY", crypto/x509's parse (which refuses a compressed EC point, unlike
 * OpenSSL's), and the key matching the certificate.
 */
function x509KeyPair(certPem: Buffer, keyPem: Buffer): { der: Buffer; cert: string; key: string } {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
    certPem.toString('latin1')
  )
  if (!block) throw new Error('tls: failed to find any PEM data in certificate input')
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(block[0])
  } catch {
    throw new Error('x509: malformed certificate')
  }
  const spk = subjectPublicKey(x509.raw)
  if (spk.algorithm === OID_EC && !(spk.key[0] === 4 && spk.key.length % 2 === 1)) {
    throw new Error('x509: failed to unmarshal elliptic curve point')
  }
  const keyBlock = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----[\s\S]+?-----END \1-----/.exec(
    keyPem.toString('latin1')
  )
  if (!keyBlock) throw new Error('tls: failed to find any PEM data in key input')
  let key
  try {
    key = createPrivateKey(keyBlock[0])
  } catch {
    throw new Error('tls: failed to parse private key')
  }
  if (!x509.checkPrivateKey(key)) throw new Error('tls: private key does not match public key')
  return { der: x509.raw, cert: block[0] + '\n', key: keyBlock[0] + '\n' }
}

/** config.getStakingTLSCert: the node's TLS identity, or a fatal config error. */
function loadTls(source: TlsSource): { der: Buffer; cert: string; key: string } {
  if (source.kind === 'ephemeral') {
    const { cert, key } = newCertAndKey()
    return x509KeyPair(Buffer.from(cert), Buffer.from(key))
  }
  if (source.kind === 'content') {
    try {
      return x509KeyPair(source.cert, source.key)
    } catch (e) {
      fatal(
        'load node config',
        `failed creating cert: failed creating cert: ${(e as Error).message}`
      )
    }
  }
  const { certPath, keyPath } = source
  if (source.explicit) {
    const missing = (p: string) => {
      try {
        statSync(p)
        return false
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT'
      }
    }
    if (missing(keyPath)) fatal('load node config', `couldn't find staking key at ${keyPath}`)
    if (missing(certPath))
      fatal('load node config', `couldn't find staking certificate at ${certPath}`)
  } else {
    initStakingKeyPair(keyPath, certPath)
  }
  let cert: Buffer, key: Buffer
  try {
    cert = readFileSync(certPath)
  } catch (e) {
    fatal('load node config', `couldn't read staking certificate: open ${certPath}: ${errno(e)}`)
  }
  try {
    key = readFileSync(keyPath)
  } catch (e) {
    fatal('load node config', `couldn't read staking certificate: open ${keyPath}: ${errno(e)}`)
  }
  try {
    return x509KeyPair(cert, key)
  } catch (e) {
    fatal('load node config', `couldn't read staking certificate: ${(e as Error).message}`)
  }
}

/** staking.ParseCertificate, as node.New applies it to the node's own certificate. */
function stakingParse(der: Buffer): void {
  const refuse = (m: string) =>
    fatal('start node', `failed to initialize node: invalid staking certificate: staking: ${m}`)
  if (der.length > 2048) refuse('certificate is too large')
  const spk = subjectPublicKey(der)
  if (spk.algorithm === OID_EC) {
    if (spk.key.length !== 65 || spk.key[0] !== 4)
      refuse('failed to unmarshal elliptic curve point')
    return
  }
  if (spk.algorithm !== OID_RSA) refuse('unknown public key algorithm')
  const jwk = new X509Certificate(pem('CERTIFICATE', der)).publicKey.export({ format: 'jwk' })
  const n = BigInt('0x' + Buffer.from(jwk.n!, 'base64url').toString('hex'))
  const e = BigInt('0x' + Buffer.from(jwk.e!, 'base64url').toString('hex'))
  const bits = n.toString(2).length
  if (bits !== 2048 && bits !== 4096) refuse(`unsupported RSA modulus bitlen: ${bits}`)
  if ((n & 1n) === 0n) refuse('RSA modulus is an even number')
  if (e !== 65537n) refuse(`unsupported RSA public exponent: ${e}`)
}

const validScalar = (b: Buffer) => {
  const sk = b.length === 32 ? BigInt('0x' + b.toString('hex')) : 0n
  return sk > 0n && sk < R
}

function newScalar(seed?: Buffer): Buffer {
  for (let i = 0; ; i++) {
    const sk = createHash('sha256')
      .update(
        seed ?? generateKeyPairSync('x25519').privateKey.export({ format: 'der', type: 'pkcs8' })
      )
      .update(String(i))
      .digest()
    if (validScalar(sk)) return sk
  }
}

/** node.newStakingSigner: the BLS secret key, after the TLS pair has been loaded and parsed. */
async function loadSigner(source: SignerSource, simulation: Simulation): Promise<Buffer> {
  const fail = (m: string) =>
    fatal('start node', `failed to initialize node: problem initializing staking signer: ${m}`)
  switch (source.kind) {
    case 'ephemeral':
      return newScalar()
    case 'content':
      if (!validScalar(source.key))
        fail("could not parse signing key: couldn't deserialize secret key")
      return source.key
    case 'rpc':
      if (!(await reachable(source.endpoint)))
        fail(`could not create rpc signer client: context deadline exceeded`)
      return simulation.remoteSignerKey
        ? Buffer.from(simulation.remoteSignerKey, 'hex')
        : newScalar(Buffer.from(source.endpoint))
  }
  const { path } = source
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || source.explicit)
      fail(`could not read signing key from ${path}: open ${path}: ${errno(e)}`)
    const sk = newScalar()
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o750 })
      writeFileSync(path, sk, { mode: 0o640 })
      chmodSync(path, 0o400)
    } catch (e) {
      fail(`could not persist new signer: could not write new signing key to ${path}: ${errno(e)}`)
    }
    return sk
  }
  if (!validScalar(bytes)) fail("could not parse signing key: couldn't deserialize secret key")
  return bytes
}

function reachable(endpoint: string): Promise<boolean> {
  const m = /^(?:[a-z]+:\/\/)?\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint)
  if (!m) return Promise.resolve(false)
  return new Promise(resolve => {
    const s = connect({ host: m[1], port: Number(m[2]), timeout: 5000 })
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
    s.once('timeout', () => (s.destroy(), resolve(false)))
  })
}

function readSimulation(): Simulation {
  const file = process.env.ANB_SIMULATION
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Simulation) : {}
}

function configure(): NodeConfig {
  try {
    return resolveConfig(process.argv.slice(2), process.env, p => readFileSync(p, 'utf8'))
  } catch (e) {
    if (e instanceof NodeStartError) fatal('configure flags', e.message)
    throw e
  }
}

async function main(): Promise<void> {
  const simulation = readSimulation()
  const config = configure()
  let tls: TlsSource, signer: SignerSource
  try {
    tls = tlsSource(config)
    signer = signerSource(config)
  } catch (e) {
    if (e instanceof NodeStartError) fatal('load node config', e.message)
    throw e
  }
  if (simulation.crashOnStart) fatal('start node', 'simulated crash on start')
  const pair = loadTls(tls) // config.GetNodeConfig: the TLS pair first…
  stakingParse(pair.der) // …then node.New: the staking parser, then the signer
  const sk = await loadSigner(signer, simulation)
  Object.assign(simulation, simulation.faultsFor?.[nodeIdOf(pair.der)] ?? {})
  if (simulation.crashOnStart) fatal('start node', 'simulated crash on start')

  const bls = bls12_381.longSignatures
  const publicKey = bls.getPublicKey(sk).toBytes(true)
  const pop = bls.sign(bls.hash(publicKey, POP_DST), sk).toBytes(true)
  const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex')
  const nodeId = simulation.reportNodeId ?? nodeIdOf(pair.der)
  const dataDir = config.dataDir
  mkdirSync(dataDir, { recursive: true, mode: 0o750 })

  const api = await serveApi(config, simulation, dataDir, {
    nodeId,
    nodePOP: simulation.noPop
      ? undefined
      : { publicKey: hex(publicKey), proofOfPossession: hex(pop) }
  })
  const p2p = await serveStakingPort(config, pair)
  const processFile = config.path('process-context-file')
  await new Promise(r => setTimeout(r, simulation.startDelayMs ?? 0))

  // The signal handlers exist only from the end of start-up (app.Run, right after node.New and
  // app.Start): a SIGTERM before that kills outright. Installed before process.json appears, so a
  // process.json seen means a graceful stop.
  const stop = () => {
    // The times let the benchmark tell the node's own stop apart from what a restore adds.
    const at = Date.now()
    process.stdout.write(`[node] INFO shutting down node {"at": ${at}}\n`)
    api.close()
    p2p.close()
    setTimeout(() => {
      rmSync(processFile, { force: true })
      process.stdout.write(`[node] INFO node shut down {"stopMs": ${Date.now() - at}}\n`)
      process.exit(0)
    }, simulation.stopDelayMs ?? 300)
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)

  // node.Dispatch: process.json first (0640, indented), then the API and the staking port serve.
  writeFileSync(
    processFile,
    JSON.stringify({ pid: process.pid, uri: api.uri, stakingAddress: p2p.address }, null, 2),
    { mode: 0o640 }
  )
  const startupMs = Math.round(performance.now())
  process.stdout.write(
    `[node] INFO initializing node {"nodeID": "${nodeId}"}\n[node] INFO API server listening {"uri": "${api.uri}", "startupMs": ${startupMs}}\n`
  )
  api.serve()
  p2p.serve()
}

void main()
