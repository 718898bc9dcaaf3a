// The simulated avalanchego (test-hosts/avalanchego.ts) behaves as harshly as the real node:
// the API's JSON-RPC rules, a port bound early and served late, a slow graceful stop and
// process.json, identities that are not files, staking/parse.go's rules and the silent trap.
// These run the simulated node as a process on this machine's loopback (other ports than a
// host's); the staking-port throttle and the unit's behaviour are tested on test node hosts.

import { spawn, type ChildProcess } from 'node:child_process'
import { createPublicKey, ECDH, generateKeyPairSync, sign } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect, createServer } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { join } from 'node:path'
import { ecSpki, selfSignedCertificate } from '../test-hosts/der.js'
import type { Simulation } from '../test-hosts/host.js'
import { localTransport } from '../src/transport/local.js'
import { nodeIdFromCertificate } from '../src/identity/node-id.js'
import { NodeApi, RpcUnavailable } from '../src/node/api.js'
import { describeWith, HAVE_NODE24, NODE24, ROOT } from './support/prerequisites.js'
import { freePort } from './support/ssh.js'
import { tempDir } from './support/tmp.js'

const NODE = join(ROOT, 'test-hosts', 'avalanchego.ts')
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

async function until<T>(what: string, f: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = f()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
}

interface Running {
  dir: string
  api: string
  httpPort: number
  stakingPort: number
  child: ChildProcess
  output: () => string
  exit: Promise<{ code: number | null; signal: string | null }>
  /** Resolves 'served' once process.json is there, or the output when the node exits first. */
  started: () => Promise<string>
}

async function runNode(
  args: string[] = [],
  o: { simulation?: Simulation; dir?: string; cwd?: string; env?: Record<string, string> } = {}
): Promise<Running> {
  const dir = o.dir ?? tempDir('sim')
  const simulation = join(dir, '..', `${dir.split('/').pop()}.simulation.json`)
  writeFileSync(simulation, JSON.stringify(o.simulation ?? {}))
  const [httpPort, stakingPort] = [await freePort(), await freePort()]
  const child = spawn(
    NODE24,
    [NODE, `--http-port=${httpPort}`, `--staking-port=${stakingPort}`, ...args],
    {
      cwd: o.cwd ?? dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, ANB_SIMULATION: simulation, ...o.env }
    }
  )
  children.push(child)
  let out = ''
  child.stdout.on('data', d => (out += d))
  child.stderr.on('data', d => (out += d))
  const exit = new Promise<{ code: number | null; signal: string | null }>(r =>
    child.once('exit', (code, signal) => r({ code, signal }))
  )
  const processJson = () =>
    args.some(a => a.startsWith('--data-dir')) || o.env?.AVAGO_DATA_DIR
      ? undefined
      : join(dir, '.avalanchego', 'process.json')
  const started = () =>
    until('the node to serve or exit', () =>
      child.exitCode !== null
        ? out
        : /API server listening/.test(out) || existsSync(processJson() ?? '/nonexistent')
          ? 'served'
          : undefined
    )
  return {
    dir,
    api: `http://127.0.0.1:${httpPort}`,
    httpPort,
    stakingPort,
    child,
    output: () => out,
    exit,
    started
  }
}

function http(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'POST', headers: o.headers ?? {} }, res => {
      let body = ''
      res.on('data', d => (body += d))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body
        })
      )
    })
    req.on('error', reject)
    req.end(o.body)
  })
}

const JSON_TYPE = { 'content-type': 'application/json' }
const call = (method: string, extra: object = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...extra })
const nodeId = async (n: Running) =>
  (
    JSON.parse(
      (await http(`${n.api}/ext/info`, { headers: JSON_TYPE, body: call('info.getNodeID') })).body
    ) as {
      result: { nodeID: string; nodePOP?: { publicKey: string } }
    }
  ).result

const pem = (type: string, der: Buffer) =>
  `-----BEGIN ${type}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${type}-----\n`

/** A self-signed certificate and key: P-256 (its point compressed on request) or RSA of some size. */
function identity(kind: 'p256' | 'p256-compressed' | 'rsa3072') {
  if (kind === 'rsa3072') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 })
    const der = selfSignedCertificate(
      publicKey.export({ type: 'spki', format: 'der' }),
      tbs => sign('sha256', tbs, privateKey),
      '1.2.840.113549.1.1.11'
    )
    return {
      crt: pem('CERTIFICATE', der),
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      der
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  let spki: Buffer = publicKey.export({ type: 'spki', format: 'der' })
  if (kind === 'p256-compressed') {
    const point = spki.subarray(spki.length - 65)
    const compressed = ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed')
    spki = ecSpki('1.2.840.10045.3.1.7', compressed as Buffer)
    createPublicKey({ key: spki, format: 'der', type: 'spki' }) // OpenSSL takes it
  }
  const der = selfSignedCertificate(
    spki,
    tbs => sign('sha256', tbs, privateKey),
    '1.2.840.10045.4.3.2'
  )
  return {
    crt: pem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    der
  }
}

const staking = (n: Running) => join(n.dir, '.avalanchego', 'staking')
function install(dir: string, files: { crt?: string; key?: string; signer?: Buffer }): string {
  const d = join(dir, '.avalanchego', 'staking')
  mkdirSync(d, { recursive: true, mode: 0o750 })
  if (files.crt) writeFileSync(join(d, 'staker.crt'), files.crt, { mode: 0o400 })
  if (files.key) writeFileSync(join(d, 'staker.key'), files.key, { mode: 0o400 })
  if (files.signer) writeFileSync(join(d, 'signer.key'), files.signer, { mode: 0o400 })
  return d
}

describeWith('Node 24', HAVE_NODE24, 'the simulated avalanchego as a process', () => {
  describe('its API, as strict as gorilla/rpc', () => {
    let n: Running
    beforeAll(async () => {
      n = await runNode()
      expect(await n.started()).toBe('served')
    })

    it.each([
      [
        'a right call',
        { headers: JSON_TYPE, body: call('info.getNodeID') },
        200,
        /^\{"jsonrpc":"2\.0","result":\{"nodeID":"NodeID-/
      ],
      [
        'the content type with a charset',
        {
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: call('info.getNodeID')
        },
        200,
        /"result"/
      ],
      [
        'no content type',
        { body: call('info.getNodeID') },
        415,
        /^rpc: unrecognized Content-Type: $/
      ],
      [
        'another content type',
        { headers: { 'content-type': 'text/plain' }, body: call('info.getNodeID') },
        415,
        /unrecognized Content-Type: text\/plain/
      ],
      [
        'GET',
        { method: 'GET', headers: JSON_TYPE },
        405,
        /^rpc: POST method required, received GET$/
      ],
      [
        'no "jsonrpc"',
        { headers: JSON_TYPE, body: JSON.stringify({ id: 1, method: 'info.getNodeID' }) },
        200,
        /"code":-32600,"message":"jsonrpc must be 2\.0"/
      ],
      [
        'no id: an empty body',
        { headers: JSON_TYPE, body: JSON.stringify({ jsonrpc: '2.0', method: 'info.getNodeID' }) },
        200,
        /^$/
      ],
      [
        'an unknown method: -32000, not -32601',
        { headers: JSON_TYPE, body: call('info.nothing') },
        200,
        /"code":-32000,"message":"rpc: can't find method \\"info\.Nothing\\""/
      ],
      [
        'a method in upper case',
        { headers: JSON_TYPE, body: call('info.GetNodeID') },
        200,
        /"code":-32000,"message":"method must start with a non-uppercase letter"/
      ],
      [
        'an unknown chain',
        { headers: JSON_TYPE, body: call('info.isBootstrapped', { params: { chain: 'Q' } }) },
        200,
        /"code":-32000,"message":"there is no chain with alias\/ID 'Q'"/
      ],
      ['not JSON', { headers: JSON_TYPE, body: '{' }, 200, /"code":-32700/],
      [
        'a Host that is a name',
        { headers: { ...JSON_TYPE, host: 'node.example' }, body: call('info.getNodeID') },
        403,
        /^invalid host specified\n$/
      ],
      [
        'Host localhost',
        { headers: { ...JSON_TYPE, host: 'LOCALHOST:9650' }, body: call('info.getNodeID') },
        200,
        /"result"/
      ],
      [
        'Host an IPv6 address',
        { headers: { ...JSON_TYPE, host: '[::1]:9650' }, body: call('info.getNodeID') },
        200,
        /"result"/
      ]
    ])('%s', async (_, req, status, body) => {
      const r = await http(`${n.api}/ext/info`, req as Parameters<typeof http>[1])
      expect({ status: r.status, body: r.body }).toEqual({
        status,
        body: expect.stringMatching(body)
      })
    })

    it('health: 200 when healthy, liveness without checks; a Host that is a name gets 403 there too', async () => {
      const h = await http(`${n.api}/ext/health`, { method: 'GET' })
      expect([h.status, JSON.parse(h.body).healthy]).toEqual([200, true])
      const l = await http(`${n.api}/ext/health/liveness`, { method: 'GET' })
      expect(JSON.parse(l.body)).toEqual({ checks: {}, healthy: true })
      expect(
        (await http(`${n.api}/ext/health`, { method: 'GET', headers: { host: 'a.b' } })).status
      ).toBe(403)
    })

    it('--api-info-enabled=false: /ext/info is not served at all', async () => {
      const off = await runNode(['--api-info-enabled=false'])
      expect(await off.started()).toBe('served')
      const r = await http(`${off.api}/ext/info`, {
        headers: JSON_TYPE,
        body: call('info.getNodeID')
      })
      expect([r.status, r.body]).toEqual([404, '404 page not found\n'])
      expect((await http(`${off.api}/ext/health`, { method: 'GET' })).status).toBe(200)
    })
  })

  it("the action's API client gets along with it: an unknown method is 'not available', a name in Host is fine when it is localhost", async () => {
    const n = await runNode()
    expect(await n.started()).toBe('served')
    const log = {
      info() {},
      debug() {},
      warning() {},
      group: <T>(_: string, f: () => Promise<T>) => f(),
      secret() {}
    }
    for (const base of [n.api, `http://localhost:${n.httpPort}`]) {
      const api = new NodeApi(localTransport(), new URL(base), log)
      expect((await api.getNodeId())?.nodeID).toBe((await nodeId(n)).nodeID)
      await expect(api.rpc('/ext/info', 'info.nothing')).rejects.toThrow(RpcUnavailable)
      await expect(api.rpc('/ext/keystore', 'keystore.listUsers')).rejects.toThrow(RpcUnavailable)
      await expect(api.rpc('/ext/info', 'info.isBootstrapped', { chain: 'Q' })).rejects.toThrow(
        "there is no chain with alias/ID 'Q'"
      )
      expect(await api.health()).toEqual({ status: 200, healthy: true })
    }
  })

  it('its staking port: TLS 1.3 only, a P-256 client certificate kept, none or an Ed25519 one closed, loopback never throttled', async () => {
    const n = await runNode()
    expect(await n.started()).toBe('served')
    const client = (kind: 'ec' | 'ed25519') => {
      const { privateKey, publicKey } =
        kind === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('ed25519')
      const der = selfSignedCertificate(
        publicKey.export({ type: 'spki', format: 'der' }),
        tbs => sign(kind === 'ec' ? 'sha256' : null, tbs, privateKey),
        kind === 'ec' ? '1.2.840.10045.4.3.2' : '1.3.101.112'
      )
      return {
        cert: pem('CERTIFICATE', der),
        key: privateKey.export({ type: 'pkcs8', format: 'pem' })
      }
    }
    /** 'kept' when the node holds the connection a while after the handshake, else how it ended. */
    const attempt = (o: object) =>
      new Promise<string>(resolve => {
        const s = tlsConnect({
          host: '127.0.0.1',
          port: n.stakingPort,
          rejectUnauthorized: false,
          ...o
        })
        s.on('error', () => {})
        let secure = false
        s.once('secureConnect', () => {
          secure = true
          setTimeout(() => (s.destroy(), resolve('kept')), 500)
        })
        s.once('close', () => resolve(secure ? 'closed after the handshake' : 'no handshake'))
        s.resume()
      })
    expect(await attempt({ ...client('ec'), minVersion: 'TLSv1.3' })).toBe('kept')
    expect(await attempt({ ...client('ec'), minVersion: 'TLSv1.3' })).toBe('kept') // loopback: no throttle
    expect(await attempt({ minVersion: 'TLSv1.3' })).toBe('closed after the handshake')
    expect(await attempt({ ...client('ed25519'), minVersion: 'TLSv1.3' })).toBe(
      'closed after the handshake'
    )
    expect(await attempt({ ...client('ec'), maxVersion: 'TLSv1.2' })).toBe('no handshake')
  })

  it('binds its API port at once but answers only when start-up is over; SIGTERM before that kills it outright', async () => {
    const n = await runNode([], { simulation: { startDelayMs: 1500 } })
    const file = join(n.dir, '.avalanchego', 'process.json')
    await portAccepts(n.httpPort)
    expect(existsSync(file)).toBe(false)
    const answer = await http(`${n.api}/ext/info`, {
      headers: JSON_TYPE,
      body: call('info.getNodeID')
    })
    expect(answer.status).toBe(200)
    expect(existsSync(file)).toBe(true) // the request was held until the node served

    const slow = await runNode([], { simulation: { startDelayMs: 60_000 } })
    await portAccepts(slow.httpPort)
    slow.child.kill('SIGTERM')
    expect(await slow.exit).toEqual({ code: null, signal: 'SIGTERM' })
    expect(existsSync(join(slow.dir, '.avalanchego', 'process.json'))).toBe(false)
  })

  it('writes process.json (0640, indented, pid/uri/stakingAddress) before serving, and a graceful stop takes its time, exits 0 and deletes it', async () => {
    const n = await runNode([], { simulation: { stopDelayMs: 400 } })
    expect(await n.started()).toBe('served')
    const file = join(n.dir, '.avalanchego', 'process.json')
    // Written as os.WriteFile writes it (not atomically): it may be there and still empty for a moment.
    const text = await until(
      'process.json to be written',
      () => readFileSync(file, 'utf8') || undefined
    )
    expect(text).toBe(
      JSON.stringify(
        {
          pid: n.child.pid,
          uri: `http://127.0.0.1:${n.httpPort}`,
          stakingAddress: `[::]:${n.stakingPort}`
        },
        null,
        2
      )
    )
    expect(statSync(file).mode & 0o777).toBe(0o640)
    const sent = Date.now()
    n.child.kill('SIGTERM')
    expect(await n.exit).toEqual({ code: 0, signal: null })
    expect(Date.now() - sent).toBeGreaterThanOrEqual(400)
    expect(existsSync(file)).toBe(false)
  })

  describe('identities that are not files', () => {
    it('content flags: the NodeID of the given certificate, no staker files written', async () => {
      const id = identity('p256')
      const n = await runNode([
        `--staking-tls-cert-file-content=${Buffer.from(id.crt).toString('base64')}`,
        `--staking-tls-key-file-content=${Buffer.from(id.key).toString('base64')}`,
        '--staking-ephemeral-signer-enabled'
      ])
      expect(await n.started()).toBe('served')
      expect((await nodeId(n)).nodeID).toBe(nodeIdFromCertificate(id.der))
      expect(existsSync(staking(n))).toBe(false)
    })

    it('an ephemeral certificate: a new NodeID at every start, files ignored and not written', async () => {
      const dir = tempDir('sim')
      const ids: string[] = []
      for (let i = 0; i < 2; i++) {
        const n = await runNode(['--staking-ephemeral-cert-enabled'], { dir })
        expect(await n.started()).toBe('served')
        ids.push((await nodeId(n)).nodeID)
        n.child.kill('SIGTERM')
        await n.exit
      }
      expect(ids[0]).not.toBe(ids[1])
      expect(existsSync(join(dir, '.avalanchego', 'staking', 'staker.crt'))).toBe(false)
      expect(existsSync(join(dir, '.avalanchego', 'staking', 'signer.key'))).toBe(true) // the signer still defaults to a file
    })

    it('a remote signer: the BLS key lives in the signer (no signer.key); an unreachable signer stops the node', async () => {
      const signer = createServer(s => s.destroy()).listen(0, '127.0.0.1')
      await new Promise(r => signer.once('listening', r))
      const endpoint = `127.0.0.1:${(signer.address() as { port: number }).port}`
      try {
        const n = await runNode([`--staking-rpc-signer-endpoint=${endpoint}`])
        expect(await n.started()).toBe('served')
        expect((await nodeId(n)).nodePOP?.publicKey).toMatch(/^0x[0-9a-f]{96}$/)
        expect(existsSync(join(staking(n), 'signer.key'))).toBe(false)
        expect(existsSync(join(staking(n), 'staker.crt'))).toBe(true)
      } finally {
        signer.close()
      }
      const down = await runNode([`--staking-rpc-signer-endpoint=127.0.0.1:1`])
      expect(await down.started()).toMatch(
        /problem initializing staking signer: could not create rpc signer client/
      )
      expect((await down.exit).code).toBe(1)
    })

    it('more than one signer option, or one TLS content flag alone, stops the node before anything is written', async () => {
      const two = await runNode(['--staking-ephemeral-signer-enabled'], {
        env: { AVAGO_STAKING_RPC_SIGNER_ENDPOINT: '127.0.0.1:1' }
      })
      expect(await two.started()).toMatch(
        /^couldn't load node config: only one of the following flags can be set/
      )
      const one = await runNode([
        `--staking-tls-cert-file-content=${Buffer.from('x').toString('base64')}`
      ])
      expect(await one.started()).toMatch(
        /staking-tls-key-file-content key not set but staking-tls-cert-file-content set/
      )
      for (const n of [two, one]) {
        expect((await n.exit).code).toBe(1)
        expect(existsSync(staking(n))).toBe(false)
      }
    })
  })

  describe("staking/parse.go's rules, and the TLS pair before the signer", () => {
    it.each([
      [
        'a compressed P-256 point',
        'p256-compressed',
        /^couldn't load node config: couldn't read staking certificate: x509: failed to unmarshal elliptic curve point/
      ],
      [
        'RSA-3072',
        'rsa3072',
        /^couldn't start node: failed to initialize node: invalid staking certificate: staking: unsupported RSA modulus bitlen: 3072/
      ]
    ] as const)('refuses %s, and no signer.key is created', async (_, kind, message) => {
      const id = identity(kind)
      const dir = tempDir('sim')
      const d = install(dir, { crt: id.crt, key: id.key })
      const n = await runNode([], { dir })
      expect(await n.started()).toMatch(message)
      expect((await n.exit).code).toBe(1)
      expect(existsSync(join(d, 'signer.key'))).toBe(false)
    })
  })

  describe('the silent trap and the paths', () => {
    it('staker.key without staker.crt: an error, nothing generated', async () => {
      const dir = tempDir('sim')
      const d = install(dir, { key: identity('p256').key })
      const n = await runNode([], { dir })
      expect(await n.started()).toBe(
        `couldn't load node config: couldn't read staking certificate: open ${d}/staker.crt: no such file or directory\n`
      )
      expect(existsSync(join(d, 'staker.crt'))).toBe(false)
    })

    it('run as root, staker.key missing and a read-only staker.crt left: overwritten, a new NodeID', async () => {
      const old = identity('p256')
      const dir = tempDir('sim')
      const d = install(dir, { crt: old.crt })
      const n = await runNode([], { dir })
      expect(await n.started()).toBe('served')
      expect((await nodeId(n)).nodeID).not.toBe(nodeIdFromCertificate(old.der))
      expect(readFileSync(join(d, 'staker.crt'), 'utf8')).not.toBe(old.crt)
      expect(statSync(join(d, 'staker.crt')).mode & 0o777).toBe(0o400)
    })

    it('explicit paths: a missing key or signer.key is an error, not a new identity', async () => {
      const n = await runNode(['--staking-tls-key-file=keys/staker.key'])
      expect(await n.started()).toBe(
        "couldn't load node config: couldn't find staking key at keys/staker.key\n"
      )
      const dir = tempDir('sim')
      const s = await runNode([], { dir, env: { AVAGO_STAKING_SIGNER_KEY_FILE: '$HOME/bls.key' } })
      expect(await s.started()).toMatch(
        `problem initializing staking signer: could not read signing key from ${dir}/bls.key: open ${dir}/bls.key: no such file or directory`
      )
    })

    it('a missing config file is fatal; ~ is not expanded and a relative data dir is under the working directory', async () => {
      const n = await runNode(['--config-file=/nonexistent/node.json'])
      expect(await n.started()).toBe(
        "couldn't configure flags: open /nonexistent/node.json: no such file or directory\n"
      )
      const cwd = tempDir('cwd')
      const t = await runNode(['--data-dir=~/data'], { cwd })
      await until('the node to serve', () => existsSync(join(cwd, '~', 'data', 'process.json')))
      expect(existsSync(join(cwd, '~', 'data', 'staking', 'staker.crt'))).toBe(true)
      t.child.kill('SIGTERM')
      await t.exit
    })

    it('takes its data dir from the config file, and AVAGO_* over it', async () => {
      const dir = tempDir('sim')
      const config = join(dir, 'node.json')
      writeFileSync(config, JSON.stringify({ 'data-dir': join(dir, 'from-file') }))
      const f = await runNode([`--config-file=${config}`], { dir })
      await until('the node to serve', () => existsSync(join(dir, 'from-file', 'process.json')))
      f.child.kill('SIGTERM')
      await f.exit
      const e = await runNode([`--config-file=${config}`], {
        dir,
        env: { AVAGO_DATA_DIR: join(dir, 'from-env') }
      })
      await until('the node to serve', () => existsSync(join(dir, 'from-env', 'process.json')))
      expect(existsSync(join(dir, 'from-env', 'staking', 'signer.key'))).toBe(true)
      e.child.kill('SIGTERM')
      await e.exit
      chmodSync(dir, 0o700)
    })
  })
})

/** Resolves once a TCP connect to the loopback port succeeds (the port is bound). */
function portAccepts(port: number, deadline = Date.now() + 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => (s.destroy(), resolve()))
    s.once('error', () => {
      s.destroy()
      if (Date.now() > deadline) return reject(new Error(`port ${port} never opened`))
      setTimeout(() => portAccepts(port, deadline).then(resolve, reject), 20)
    })
  })
}
