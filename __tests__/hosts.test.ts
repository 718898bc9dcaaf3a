import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { nodeIdFromCertificate } from '../src/identity/node-id.js'
import { generateKeyPairSync, sign } from 'node:crypto'
import { selfSignedCertificate } from '../test-hosts/der.js'
import { HOST_NODE, hostPrerequisites, startNodeHost, type NodeHost } from '../test-hosts/host.js'
import { describeWith, HAVE_VECTORS, NODE24, ROOT } from './support/prerequisites.js'
import { rpc, ssh, stakingPort, tunnel } from './support/ssh.js'
import { vectorFile, vectors } from './support/vectors.js'
import { down, up as upHost } from './support/hosts.js'

const missing = hostPrerequisites()
const up = (options: Parameters<typeof startNodeHost>[0] = {}) => upHost(options, false)

const refused = (address: string, port: number) =>
  new Promise<string>(resolve => {
    const s = connect({ host: address, port, timeout: 2000 })
    s.once('connect', () => (s.destroy(), resolve('connected')))
    s.once('error', e => resolve((e as NodeJS.ErrnoException).code ?? 'error'))
    s.once('timeout', () => (s.destroy(), resolve('timeout')))
  })

/** Waits (with a generous deadline, never a fixed sleep) until the unit's status shows `text`. */
async function statusShows(host: NodeHost, text: string | RegExp): Promise<string> {
  const end = Date.now() + 20_000
  for (;;) {
    const out = host.service('status').stdout
    if (typeof text === 'string' ? out.includes(text) : text.test(out)) return out
    if (Date.now() > end) return out
    await new Promise(r => setTimeout(r, 50))
  }
}

/**
 * Staking-port connections from inside the host (its loopback, which the node never throttles),
 * one after the other, with or without a client certificate: for each, whether the node closed it.
 */
function loopbackStakingProbes(host: NodeHost, withCert: boolean[]): boolean[] {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = selfSignedCertificate(
    publicKey.export({ type: 'spki', format: 'der' }),
    tbs => sign('sha256', tbs, privateKey),
    '1.2.840.10045.4.3.2'
  )
  const client = {
    cert: `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' })
  }
  const script = `
    const tls = require('node:tls')
    const client = ${JSON.stringify(client)}
    const probe = cert => new Promise(r => {
      const s = tls.connect({ host: '127.0.0.1', port: 9651, rejectUnauthorized: false,
        minVersion: 'TLSv1.3', ...(cert ? client : {}) })
      s.on('error', () => {})
      s.resume()
      let done = false
      const end = v => { if (!done) { done = true; s.destroy(); r(v) } }
      s.once('secureConnect', () => setTimeout(() => end(false), 1000))
      s.once('close', () => end(true))
    })
    ;(async () => { for (const c of ${JSON.stringify(withCert)}) console.log(await probe(c)) })()`
  host.exec('cat > /run/probe.cjs', 'root', script)
  const r = host.exec(`${HOST_NODE} /run/probe.cjs`)
  return r.stdout
    .trim()
    .split('\n')
    .map(l => l === 'true')
}

/** The NodeID the built CLI computes from a certificate read off the host. */
function cliNodeId(host: NodeHost): string {
  const r = spawnSync(NODE24, [`${ROOT}/dist/cli.js`, 'node-id', '-'], {
    input: host.readFile(`${host.stakingDir}/staker.crt`),
    encoding: 'utf8'
  })
  expect(r.stderr).toBe('')
  return r.stdout.trim()
}

describeWith(missing ? `${missing}` : 'root, sshd', !missing, 'test node hosts', () => {
  describe('one host with a node that made its own identity', () => {
    let host: NodeHost
    beforeAll(async () => {
      host = await up()
      await host.waitForNode()
    })

    it('made its identity as a fresh install does: ECDSA P-256 PKCS#8, files 0400, directory 0750, owned by ubuntu', () => {
      const ls = host.exec(`stat -c '%a %U %n' ${host.stakingDir} ${host.stakingDir}/*`)
      expect(ls.stdout.trim().split('\n')).toEqual([
        `750 ubuntu ${host.stakingDir}`,
        `400 ubuntu ${host.stakingDir}/signer.key`,
        `400 ubuntu ${host.stakingDir}/staker.crt`,
        `400 ubuntu ${host.stakingDir}/staker.key`
      ])
      expect(host.readFile(`${host.stakingDir}/staker.key`).toString()).toMatch(
        /^-----BEGIN PRIVATE KEY-----/
      )
      expect(host.readFile(`${host.stakingDir}/signer.key`)).toHaveLength(32)
      // The action's own NodeID code and the simulated node's agree.
      expect(cliNodeId(host)).toBe(host.nodeInfo()?.nodeID)
      const json = JSON.parse(host.exec('cat /home/ubuntu/.avalanchego/process.json').stdout) as {
        uri: string
      }
      expect(json.uri).toBe('http://127.0.0.1:9650')
    })

    it('accepts SSH with its host key and the user key, ed25519 and RSA', () => {
      for (const key of ['ed25519', 'rsa'] as const) {
        const r = spawnSync(
          'ssh',
          [...host.sshArgs(key), `ubuntu@${host.address}`, 'id -un; hostname'],
          { encoding: 'utf8' }
        )
        expect({ key, code: r.status, out: r.stdout }).toEqual({
          key,
          code: 0,
          out: `ubuntu\n${host.name}\n`
        })
      }
      expect(host.hostKeys.ed25519.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
      const scanned = spawnSync('ssh-keygen', ['-lf', '-'], {
        input: host.knownHosts,
        encoding: 'utf8'
      }).stdout
      expect(scanned).toContain(host.hostKeys.ed25519.fingerprint)
      expect(scanned).toContain(host.hostKeys.rsa.fingerprint)
    })

    it('refuses a wrong host key and a wrong user key', async () => {
      const other = await up({ startNode: false })
      const wrongHostKey = spawnSync(
        'ssh',
        [...other.sshArgs(), `ubuntu@${host.address}`, 'true'],
        { encoding: 'utf8' }
      )
      expect(wrongHostKey.status).toBe(255)
      expect(wrongHostKey.stderr).toMatch(
        /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (ED25519|RSA|ECDSA) host key is known/
      )
      const args = host.sshArgs()
      args[1] = other.userKeys.ed25519.privateKeyPath
      const wrongUserKey = spawnSync('ssh', [...args, `ubuntu@${host.address}`, 'true'], {
        encoding: 'utf8'
      })
      expect(wrongUserKey.status).toBe(255)
      expect(wrongUserKey.stderr).toContain('Permission denied (publickey)')
    })

    it('keeps the API on its own loopback: unreachable from here, reachable through an SSH tunnel', async () => {
      expect(await refused(host.address, 9650)).toBe('ECONNREFUSED')
      const t = await tunnel(host, 9650)
      try {
        const result = (await rpc(`http://127.0.0.1:${t.port}`, 'info.getNodeID')) as {
          nodeID: string
        }
        expect(result.nodeID).toBe(host.nodeInfo()?.nodeID)
        expect(
          await rpc(`http://127.0.0.1:${t.port}`, 'info.isBootstrapped', { chain: 'P' })
        ).toEqual({ isBootstrapped: true })
        const health = await fetch(`http://127.0.0.1:${t.port}/ext/health`)
        expect(health.status).toBe(200)
      } finally {
        t.close()
      }
    })

    it('presents on its staking port the certificate whose NodeID it reports, wants a client certificate, and throttles one address', async () => {
      const withCert = await stakingPort(host.address)
      expect(nodeIdFromCertificate(withCert.certificate)).toBe(host.nodeInfo()?.nodeID)
      expect(withCert.closedByNode).toBe(false)
      // From this machine's address, the next connection within 10 s is closed before TLS.
      await expect(stakingPort(host.address)).rejects.toThrow(
        'closed before the TLS handshake completed'
      )
      // Loopback is never throttled: with a certificate kept open, without one closed by the node.
      expect(loopbackStakingProbes(host, [true, false, true])).toEqual([false, true, false])
    })

    it('is controlled with sudo systemctl; without sudo the service cannot be changed', () => {
      expect(ssh(host, 'systemctl is-active avalanchego')).toMatchObject({
        code: 0,
        stdout: 'active\n'
      })
      const denied = ssh(host, 'systemctl stop avalanchego')
      expect(denied.code).toBe(1)
      expect(denied.stderr).toContain('Interactive authentication required')
      expect(ssh(host, 'sudo -n systemctl show avalanchego -p User --value')).toMatchObject({
        code: 0,
        stdout: 'ubuntu\n'
      })
    })

    it('falls into the trap: staker files deleted, restart, a healthy node with a new NodeID', async () => {
      const before = host.nodeInfo()!
      expect(
        ssh(
          host,
          `sudo -n systemctl stop avalanchego && rm -f ${host.stakingDir}/staker.* && sudo -n systemctl start avalanchego`
        ).code
      ).toBe(0)
      const after = await host.waitForNode()
      expect(after.nodeID).not.toBe(before.nodeID)
      expect(after.nodePOP?.publicKey).toBe(before.nodePOP?.publicKey) // signer.key was kept
      expect(cliNodeId(host)).toBe(after.nodeID)
    })

    it('with only staker.key deleted, cannot overwrite the read-only staker.crt and does not start', async () => {
      expect(
        ssh(
          host,
          `sudo -n systemctl stop avalanchego && rm -f ${host.stakingDir}/staker.key && sudo -n systemctl start avalanchego`
        ).code
      ).toBe(0)
      const trap = `couldn't load node config: couldn't generate staking key/cert: couldn't create cert file: open ${host.stakingDir}/staker.crt: permission denied`
      expect(await statusShows(host, trap)).toContain(trap)
      expect(host.nodeInfo()).toBeUndefined()
      // Both gone: a new identity, as above.
      host.exec(`rm -f ${host.stakingDir}/staker.crt`)
      await host.waitForNode(5000)
    })

    it('refuses to start with an unreadable signer.key', async () => {
      expect(
        host.exec(`chmod 000 ${host.stakingDir}/signer.key && systemctl restart avalanchego`).code
      ).toBe(0)
      // It exits at start and Restart=always starts it again: wait (with a deadline, not a fixed
      // sleep that a loaded machine outruns) until the unit is seen between two attempts.
      const end = Date.now() + 20_000
      let state = host.service('is-active').stdout.trim()
      while (!/activating|failed/.test(state) && Date.now() < end) {
        await new Promise(r => setTimeout(r, 50))
        state = host.service('is-active').stdout.trim()
      }
      expect(state).toMatch(/activating|failed/)
      expect(host.nodeInfo()).toBeUndefined()
      expect(host.service('status').stdout).toContain(
        `couldn't start node: failed to initialize node: problem initializing staking signer: could not read signing key from ${host.stakingDir}/signer.key: open ${host.stakingDir}/signer.key: permission denied`
      )
      host.exec(`chmod 400 ${host.stakingDir}/signer.key`)
      await host.waitForNode(5000) // Restart=always brings it back once the file is readable
    })
  })

  describe('hosts with an identity, switches and faults', () => {
    it('runs the identity it is given (avalanchego staker1, RSA-4096 PKCS#1)', async () => {
      if (!HAVE_VECTORS) throw new Error('needs ../shared/vectors')
      const s = vectors.stakers[0]!
      const host = await up({
        identity: { crt: vectorFile(s.cert), key: vectorFile(s.key), signer: vectorFile(s.signer) }
      })
      expect(await host.waitForNode()).toEqual({
        nodeID: s.nodeID,
        nodePOP: { publicKey: s.blsPublicKey, proofOfPossession: s.proofOfPossession }
      })
      expect(nodeIdFromCertificate((await stakingPort(host.address)).certificate)).toBe(s.nodeID)
      // The node refuses what avalanchego refuses: a key that does not belong to the certificate.
      host.exec(`chmod 600 ${host.stakingDir}/staker.key`)
      host.exec(`cat > ${host.stakingDir}/staker.key`, 'root', vectorFile(vectors.stakers[1]!.key))
      host.service('restart')
      const mismatch =
        "couldn't load node config: couldn't read staking certificate: tls: private key does not match public key"
      expect(await statusShows(host, mismatch)).toContain(mismatch)
      expect(host.nodeInfo()).toBeUndefined()
    })

    it('with explicit staking paths, a missing key stops the node instead of making a new one', async () => {
      const host = await up()
      await host.waitForNode()
      host.exec(
        `cat > /home/ubuntu/.avalanchego/configs/node.json`,
        'root',
        JSON.stringify({
          'staking-tls-key-file': '/home/ubuntu/keys/staker.key',
          'staking-tls-cert-file': '/home/ubuntu/keys/staker.crt'
        })
      )
      host.service('restart')
      const missing = "couldn't find staking key at /home/ubuntu/keys/staker.key"
      expect(await statusShows(host, missing)).toContain(missing)
      expect(host.nodeInfo()).toBeUndefined()
    })

    it('three hosts at once, each its own node', async () => {
      const three = await Promise.all([up(), up(), up()])
      const ids = await Promise.all(three.map(h => h.waitForNode().then(i => i.nodeID)))
      expect(new Set(ids).size).toBe(3)
      for (const h of three) expect(ssh(h, 'hostname').stdout.trim()).toBe(h.name)
      expect(new Set(three.map(h => h.address)).size).toBe(3)
    })

    it('switches: no TCP forwarding, sudo with a password', async () => {
      const host = await up({ allowTcpForwarding: false, sudoPassword: true })
      await host.waitForNode()
      const t = await tunnel(host, 9650)
      await expect(rpc(`http://127.0.0.1:${t.port}`, 'info.getNodeID')).rejects.toThrow()
      // ssh logs the refusal when sshd's answer arrives: wait for it, with a deadline.
      const end = Date.now() + 10_000
      while (!/administratively prohibited/.test(t.stderr()) && Date.now() < end)
        await new Promise(r => setTimeout(r, 20))
      t.close()
      expect(t.stderr()).toMatch(/administratively prohibited/)
      const sudo = ssh(host, 'sudo -n systemctl is-active avalanchego')
      expect(sudo.code).toBe(1)
      expect(sudo.stderr).toContain('a password is required')
    })

    it('faults: slow start, an old node without nodePOP, a node reporting another NodeID, a crash on start', async () => {
      const host = await up({ simulation: { startDelayMs: 1500 } })
      const started = Date.now()
      const info = await host.waitForNode()
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      host.simulate({ noPop: true })
      host.service('restart')
      expect(await host.waitForNode()).toEqual({ nodeID: info.nodeID })
      host.simulate({ reportNodeId: 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg' })
      host.service('restart')
      expect((await host.waitForNode()).nodeID).toBe('NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg')
      host.simulate({ crashOnStart: true })
      host.service('restart')
      expect(await statusShows(host, 'simulated crash on start')).toContain(
        'simulated crash on start'
      )
      expect(host.nodeInfo()).toBeUndefined()
    })

    it('a bootstrapping node answers getNodeID but is not healthy yet', async () => {
      const host = await up({ simulation: { bootstrapDelayMs: 60_000 } })
      await host.waitForNode()
      const health = host.exec(
        'curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:9650/ext/health'
      )
      expect(health.stdout).toBe('503')
    })
  })

  describe('the machine running the tests', () => {
    it('is not changed by the hosts, and a destroyed host leaves nothing behind', async () => {
      const host = await up()
      await host.waitForNode()
      const pids = spawnSync('ip', ['netns', 'pids', 'anb-h' + host.address.split('.')[2]], {
        encoding: 'utf8'
      })
        .stdout.split('\n')
        .filter(Boolean)
      expect(pids.length).toBeGreaterThan(2) // sshd, the supervisor, the node…
      expect(spawnSync('getent', ['passwd', 'ubuntu']).stdout.toString()).not.toContain(
        '/home/ubuntu:/bin/bash'
      )
      expect(existsSync('/usr/local/sbin/systemctl')).toBe(false)
      expect(existsSync('/etc/systemd/system/avalanchego.service')).toBe(false)
      await down(host)
      const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout
      expect(ns).not.toContain(`anb-h${host.address.split('.')[2]} `)
      const state = (pid: string) =>
        existsSync(`/proc/${pid}`)
          ? readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').slice(0, 3).join(' ')
          : 'gone'
      expect(pids.map(state)).toEqual(pids.map(() => 'gone'))
    })
  })
})
