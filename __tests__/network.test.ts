// network-api, old-hosts, allow-running-elsewhere, wait-healthy (issue 12), through the built action
// against test hosts: the old machine (A, running the identity), the new one (B, a fresh install),
// and an avalanchego API on the same network (the simulated one, on host C's address, over HTTPS
// with a throwaway CA given to the action as NODE_EXTRA_CA_CERTS).

import { spawnSync } from 'node:child_process'
import { request } from 'node:https'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { generateIdentity as ageIdentity, identityToRecipient } from 'age-encryption'
import { formatNodeId } from '../src/identity/node-id.js'
import { hostPrerequisites, UNREACHABLE_ADDRESS, type NodeHost } from '../test-hosts/host.js'
import { startNetworkApi, type NetworkApiHandle, type NetworkWorld } from '../test-hosts/network.js'
import { generateIdentity, opensslShortId } from './support/identities.js'
import { describeWith, NODE24, ROOT } from './support/prerequisites.js'
import { leaks, runAction, secretForms, type ActionRun } from './support/runner.js'
import { cliHostFlags, up } from './support/hosts.js'
import { tempDir } from './support/tmp.js'

const missing = hostPrerequisites()

const made = generateIdentity('ec')
const id = { ...made, nodeId: formatNodeId(opensslShortId(made.crtPath)) }

let oldHost: NodeHost // A: still runs the identity at first
let newHost: NodeHost // B: the fresh install to restore onto
let api: NetworkApiHandle
let bls: string // the backup's BLS key, as the old node reports it
let otherBls: string // another node's BLS key

const END = Date.UTC(2027, 2, 1) / 1000
const registered = (publicKey: string): NetworkWorld['validators'] => [
  {
    nodeID: id.nodeId,
    publicKey,
    startTime: END - 365 * 86400,
    endTime: END,
    weight: '2000000000000',
    uptime: 99.2,
    connected: true
  }
]
const connectedFrom = (address: string): NetworkWorld['peers'] => [
  { nodeID: id.nodeId, ip: `${address}:9651`, publicIP: `${address}:9651` }
]

function backupInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'staker-crt': id.crt.toString(),
    'staker-key': id.key.toString(),
    'signer-key': id.signer.toString('base64'),
    'expected-node-id': id.nodeId,
    'network-api': api.url,
    ...extra
  }
}

function restoreInputs(extra: Record<string, string> = {}): Record<string, string> {
  return backupInputs({
    mode: 'restore',
    host: newHost.address,
    username: 'ubuntu',
    'ssh-key': newHost.userKeys.ed25519.privateKey,
    'host-key': newHost.knownHosts,
    'wait-timeout': '20',
    ...extra
  })
}

const run = (inputs: Record<string, string>, ca = api.caFile) =>
  runAction(inputs, { NODE_EXTRA_CA_CERTS: ca })

const errors = (r: ActionRun) =>
  r.stdout
    .split('\n')
    .filter(l => l.startsWith('::error'))
    .join('\n')
const warnings = (r: ActionRun) =>
  r.stdout
    .split('\n')
    .filter(l => l.startsWith('::warning'))
    .join('\n')

function noKeyMaterial(r: ActionRun): void {
  const forms = secretForms(id.key, id.signer)
  expect(leaks(r.visibleLog, forms)).toEqual([])
  expect(leaks(JSON.stringify(r.outputs), forms)).toEqual([])
  expect(leaks(r.summary, forms)).toEqual([])
}

/** The new host's files and node, to show a refused restore changed nothing. */
const snapshot = (h: NodeHost) => ({
  files: h.exec(`cd ${h.stakingDir} && sha256sum staker.crt staker.key signer.key`).stdout,
  nodeId: h.nodeInfo()?.nodeID
})

describeWith(missing ?? 'root, sshd', !missing, 'network-api (the built action)', () => {
  beforeAll(async () => {
    const c = await up({ startNode: false })
    ;[oldHost, newHost] = await Promise.all([
      up({ identity: { crt: id.crt, key: id.key, signer: id.signer } }),
      up()
    ])
    bls = (await oldHost.waitForNode()).nodePOP!.publicKey
    otherBls = (await newHost.waitForNode()).nodePOP!.publicKey
    api = await startNetworkApi(c)
  }, 60_000)
  afterAll(() => api?.stop())

  describe('the simulated API is as strict as avalanchego', () => {
    const post = (path: string, body: string, headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(path, api.url)
        const req = request(
          {
            hostname: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers,
            ca: readFileSync(api.caFile)
          },
          res => {
            let text = ''
            res.on('data', d => (text += d))
            res.on('end', () => resolve({ status: res.statusCode!, body: text }))
          }
        )
        req.on('error', reject)
        req.end(body)
      })
    const json = { 'content-type': 'application/json' }
    it.each([
      [
        'no content type: 415',
        '/ext/info',
        '{"jsonrpc":"2.0","id":1,"method":"info.peers"}',
        {},
        415,
        ''
      ],
      [
        'no id: an empty body',
        '/ext/info',
        '{"jsonrpc":"2.0","method":"info.peers"}',
        json,
        200,
        ''
      ],
      [
        'no jsonrpc: an error',
        '/ext/info',
        '{"id":1,"method":"info.peers"}',
        json,
        200,
        '"code":-32600'
      ],
      [
        'an unknown method: -32000',
        '/ext/bc/P',
        '{"jsonrpc":"2.0","id":1,"method":"info.peers"}',
        json,
        200,
        '"code":-32000'
      ],
      [
        'info.peers',
        '/ext/info',
        '{"jsonrpc":"2.0","id":7,"method":"info.peers","params":{"nodeIDs":[]}}',
        json,
        200,
        '"numPeers":"0"'
      ]
    ])('%s', async (_, path, body, headers, status, contains) => {
      api.set({})
      const res = await post(path, body, headers)
      expect(res.status).toBe(status)
      if (contains) expect(res.body).toContain(contains)
      else expect(res.body).toBe('')
    })
  })

  describe('verify: the registered BLS key is an expectation', () => {
    it("registered with the backup's key: passes; the validator output and the summary line", async () => {
      api.set({ validators: registered(bls) })
      const r = await run(backupInputs())
      expect(errors(r)).toBe('')
      expect(r.code).toBe(0)
      expect(JSON.parse(r.outputs.validator!)).toEqual({
        nodeId: id.nodeId,
        blsPublicKey: bls,
        startTime: '2026-03-01T00:00:00.000Z',
        endTime: '2027-03-01T00:00:00.000Z',
        weight: '2000000000000',
        uptime: 99.2,
        connected: true
      })
      expect(r.summary).toContain('validator until 2027-03-01, uptime 99.2 %')
      const check = (
        JSON.parse(r.outputs.result!) as { checks: { id: string; status: string }[] }
      ).checks.find(c => c.id === 'registered-bls-public-key')
      expect(check?.status).toBe('pass')
      noKeyMaterial(r)
    })

    it('registered with another key: fails without expected-bls-public-key, quoting both keys and what follows', async () => {
      api.set({ validators: registered(otherBls) })
      const r = await run(backupInputs())
      expect(r.code).toBe(1)
      const e = errors(r)
      expect(e).toContain(`signer.key gives ${bls}, but the P-chain has ${otherBls} registered`)
      expect(e).toContain('its peers disconnect it')
      expect(e).toContain('its bls health check fails')
      noKeyMaterial(r)
    })

    it('not a validator: passes, says so, no validator output', async () => {
      api.set({ validators: [] })
      const r = await run(backupInputs())
      expect(r.code).toBe(0)
      expect(r.outputs.validator).toBe('')
      expect(r.summary).toContain('Not a current validator of the primary network')
    })

    it('unreachable: a warning saying what was not checked; require-network-checks fails', async () => {
      const inputs = backupInputs({ 'network-api': `https://${UNREACHABLE_ADDRESS}` })
      const warned = await run(inputs)
      expect(warned.code).toBe(0)
      expect(warnings(warned)).toMatch(
        /cannot be asked: .*Not checked: the BLS key registered on the P-chain/
      )
      const failed = await run({ ...inputs, 'require-network-checks': 'true' })
      expect(failed.code).toBe(1)
      expect(errors(failed)).toContain('require-network-checks is true')
    })

    it('a certificate from a CA Node does not trust: not asked, and said why', async () => {
      api.set({ validators: registered(otherBls) })
      const r = await run(backupInputs(), api.otherCaFile)
      expect(r.code).toBe(0)
      expect(warnings(r)).toContain('not signed by a trusted authority')
    })

    it('an endpoint that does not answer in 5 s: not asked, said so', async () => {
      api.set({ validators: registered(bls), delayMs: 8000 })
      const r = await run(backupInputs())
      expect(r.code).toBe(0)
      expect(warnings(r)).toContain('cannot be asked: no answer within 5 s')
    }, 30_000)

    it('restore-only inputs with verify are refused before anything connects', async () => {
      const r = await run(backupInputs({ 'old-hosts': oldHost.address }))
      expect(r.code).toBe(1)
      expect(errors(r)).toContain(
        'old-hosts, allow-running-elsewhere and wait-healthy go with mode restore'
      )
    })

    it('http:// to a test host is refused before anything connects', async () => {
      const r = await run(backupInputs({ 'network-api': api.url.replace('https', 'http') }))
      expect(r.code).toBe(1)
      expect(errors(r)).toContain('http:// is allowed only for a loopback address')
    })
  })

  describe('backup: the registered key too', () => {
    it('a node whose signer.key is not the registered one is not taken', async () => {
      api.set({ validators: registered(otherBls) })
      const recipient = await identityToRecipient(await ageIdentity())
      const r = await run({
        mode: 'backup',
        host: oldHost.address,
        username: 'ubuntu',
        'ssh-key': oldHost.userKeys.ed25519.privateKey,
        'host-key': oldHost.knownHosts,
        'age-recipients': recipient,
        'network-api': api.url
      })
      expect(r.code).toBe(1)
      expect(errors(r)).toContain(`but the P-chain has ${otherBls} registered`)
      expect(r.outputs.archive).toBe('')
    })
  })

  describe('restore: one NodeID in one place', () => {
    it('refused before anything changes: info.peers shows the NodeID connected from the old host', async () => {
      api.set({ validators: registered(bls), peers: connectedFrom(oldHost.address) })
      const before = snapshot(newHost)
      const r = await run(restoreInputs())
      expect(r.code).toBe(1)
      expect(errors(r)).toContain(
        `${id.nodeId} is running at ${oldHost.address} right now; stop that node first (or set allow-running-elsewhere: true if you know it is dying)`
      )
      expect(r.outputs['host-state']).toBe('unchanged')
      expect(snapshot(newHost)).toEqual(before)
      noKeyMaterial(r)
    })

    it('refused: the old host still answers with the NodeID on its staking port (old-hosts)', async () => {
      api.set({ validators: registered(bls) })
      const before = snapshot(newHost)
      const r = await run(restoreInputs({ 'old-hosts': `${oldHost.address}:9651` }))
      expect(r.code).toBe(1)
      expect(errors(r)).toContain(
        `${id.nodeId} is running at ${oldHost.address}:9651 right now; stop that node first`
      )
      expect(snapshot(newHost)).toEqual(before)
    })

    it('the command line refuses the same way (--network-api, --old-hosts)', async () => {
      api.set({ validators: registered(bls), peers: connectedFrom(oldHost.address) })
      const before = snapshot(newHost)
      const dir = tempDir('cli-network')
      const r = spawnSync(
        NODE24,
        [
          join(ROOT, 'dist/cli.js'),
          'restore',
          '--backup-dir',
          made.dir,
          '--expected-node-id',
          id.nodeId,
          ...cliHostFlags(newHost, dir),
          '--network-api',
          api.url,
          '--old-hosts',
          oldHost.address
        ],
        { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: api.caFile } }
      )
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(
        `${id.nodeId} is running at ${oldHost.address} and at ${oldHost.address}:9651 right now; stop that node first`
      )
      expect(snapshot(newHost)).toEqual(before)
    })

    it('refused before connecting: the backup is not the registered BLS key', async () => {
      api.set({ validators: registered(otherBls) })
      const connections = newHost.sshConnections()
      const r = await run(restoreInputs())
      expect(r.code).toBe(1)
      expect(errors(r)).toContain(`but the P-chain has ${otherBls} registered`)
      expect(newHost.sshConnections()).toBe(connections)
    })

    it('refused before connecting: the network cannot be asked and require-network-checks is true', async () => {
      const connections = newHost.sshConnections()
      const r = await run(
        restoreInputs({
          'network-api': `https://${UNREACHABLE_ADDRESS}`,
          'require-network-checks': 'true'
        })
      )
      expect(r.code).toBe(1)
      expect(errors(r)).toContain('require-network-checks is true')
      expect(newHost.sshConnections()).toBe(connections)
    })

    it('the old node stopped, seen only on the new host: restored, then healthy with the bls check named', async () => {
      oldHost.service('stop')
      api.set({ validators: registered(bls), peers: [] })
      const r = await run(restoreInputs({ 'old-hosts': oldHost.address, 'wait-healthy': '30' }))
      expect(errors(r)).toBe('')
      expect(r.code).toBe(0)
      expect(newHost.nodeInfo()?.nodeID).toBe(id.nodeId)
      const result = JSON.parse(r.outputs.result!) as {
        steps: { name: string; detail?: string }[]
        health?: { healthy: boolean; checks: { name: string; ok: boolean }[] }
      }
      expect(result.steps.find(s => s.name === 'Look at the host')?.detail).toContain(
        `has no connection with ${id.nodeId}`
      )
      expect(result.steps.find(s => s.name === 'Wait for health')?.detail).toMatch(
        /^healthy; bls ok/
      )
      expect(result.health?.checks.find(c => c.name === 'bls')?.ok).toBe(true)
      expect(JSON.parse(r.outputs.validator!).blsPublicKey).toBe(bls)
      expect(r.summary).toContain('validator until 2027-03-01, uptime 99.2 %')
      noKeyMaterial(r)
    }, 90_000)

    it('allow-running-elsewhere: goes on with a warning; not healthy in time: a warning naming the failing checks', async () => {
      // The old machine is back (a cloud provider restarted it), and the new host runs the
      // identity already: the network's view alone cannot tell the two apart, the probe can.
      oldHost.service('start')
      await oldHost.waitForNode()
      newHost.simulate({ bootstrapDelayMs: 600_000 })
      api.set({ validators: registered(bls), peers: connectedFrom(oldHost.address) })
      const r = await run(
        restoreInputs({
          'old-hosts': oldHost.address,
          'allow-running-elsewhere': 'true',
          force: 'true',
          'wait-healthy': '2'
        })
      )
      expect(errors(r)).toBe('')
      expect(r.code).toBe(0)
      const w = warnings(r)
      expect(w).toContain(
        `sees ${id.nodeId} connected from ${oldHost.address}, and this host reports ${id.nodeId} too: it may be this host seen under another address`
      )
      expect(w).toContain(
        `${id.nodeId} is running at ${oldHost.address}:9651 right now; stop that node first (or set allow-running-elsewhere: true if you know it is dying); going on: allow-running-elsewhere is true.`
      )
      expect(w).toMatch(/not healthy after wait-healthy \(2 s\): failing checks: bootstrapped/)
      expect(r.outputs['host-state']).toBe('restored')
    }, 90_000)

    it('seen connected only from the new host, which runs it: nothing to do, no warning', async () => {
      api.set({ validators: registered(bls), peers: connectedFrom(newHost.address) })
      const r = await run(restoreInputs())
      expect(errors(r)).toBe('')
      expect(warnings(r)).toBe('')
      expect(r.code).toBe(0)
      const result = JSON.parse(r.outputs.result!) as {
        changed: boolean
        steps: { name: string; detail?: string }[]
      }
      expect(result.changed).toBe(false)
      expect(result.steps.find(s => s.name === 'Look at the host')?.detail).toContain(
        `sees ${id.nodeId} on this host`
      )
    })
  })
})
