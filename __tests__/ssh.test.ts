import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { parseHostKeys } from '../src/transport/host-keys.js'
import { connectSsh, SshRefused, type SshLogin, type SshSettings } from '../src/transport/ssh.js'
import { ConnectionLost, type HostTransport } from '../src/transport/transport.js'
import type { Log } from '../src/log.js'
import { hostPrerequisites, UNREACHABLE_ADDRESS, type NodeHost } from '../test-hosts/host.js'
import { describeWith, HAVE_VECTORS, NODE24, ROOT } from './support/prerequisites.js'
import { up } from './support/hosts.js'
import { runAction } from './support/runner.js'
import { tempDir } from './support/tmp.js'
import { staker } from './support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

const debug: string[] = []
const log: Log = {
  info: () => {},
  debug: m => debug.push(m),
  warning: () => {},
  group: (_name, fn) => fn(),
  secret: () => {}
}

function login(host: NodeHost, hostKey = host.knownHosts, port = host.port): SshLogin {
  return {
    host: host.address,
    port,
    username: 'ubuntu',
    privateKey: host.userKeys.ed25519.privateKey,
    hostKeys: parseHostKeys(hostKey, host.address, port)
  }
}

function settings(host: NodeHost, extra: Partial<SshSettings> = {}): SshSettings {
  return { ...login(host), insecureSkipHostKeyCheck: false, ...extra }
}

/** The error connectSsh ends with (the test fails if it connects). */
async function refusal(s: SshSettings): Promise<Error> {
  const e = await connectSsh(s, log).then(
    async t => {
      await t.close()
      return undefined
    },
    (e: unknown) => e as Error
  )
  if (!e) throw new Error('connected, but a refusal was expected')
  return e
}

/** Connects, runs `hostname`, closes; resolves to the host key the connection was made with. */
async function connectsWith(s: SshSettings): Promise<{ hostname: string; hostKey: string }> {
  debug.length = 0
  const t = await connectSsh(s, log)
  try {
    const r = await t.exec('hostname')
    const line = debug.findLast(d => d.startsWith(`connected to ${s.username}@${s.host}`)) ?? ''
    return {
      hostname: r.stdout.toString().trim(),
      hostKey: /host key (SHA256:\S+ \([a-z0-9-]+\))$/.exec(line)?.[1] ?? ''
    }
  } finally {
    await t.close()
  }
}

/** A TCP server on loopback that does `act` with each connection. */
async function listener(act: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(act)
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  return { server, port: (server.address() as { port: number }).port }
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise(r => setTimeout(r, 50))
  }
}

const logins = (h: NodeHost) => (h.sshdLog().match(/Accepted publickey/g) ?? []).length

/** known_hosts text hashed by `ssh-keygen -H`. */
function hashed(knownHosts: string): string {
  const file = join(tempDir('known-hosts'), 'known_hosts')
  writeFileSync(file, knownHosts)
  const r = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ssh-keygen -H failed: ${r.stderr}`)
  const text = readFileSync(file, 'utf8')
  if (!text.startsWith('|1|')) throw new Error('ssh-keygen -H did not hash')
  return text
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

describeWith(missing ?? 'root, sshd', !missing, 'SSH connections (real sshd)', () => {
  let host: NodeHost
  /** `ADDRESS` replaced in known_hosts lines, for lines naming other hosts or patterns. */
  let keyOf: { ed25519: string; rsa: string }
  beforeAll(async () => {
    host = await up({ startNode: false, extraSshPorts: [2222] })
    keyOf = {
      ed25519: host.hostKeys.ed25519.knownHostsLine.split(' ').slice(1).join(' '),
      rsa: host.hostKeys.rsa.knownHostsLine.split(' ').slice(1).join(' ')
    }
  })

  describe('every failure is a clear refusal, never a crash', () => {
    it('a pin of only a key type the host lacks (ecdsa; the host has ed25519 and rsa)', async () => {
      const logins0 = logins(host)
      const e = await refusal(
        settings(host, {
          hostKeys: parseHostKeys(`256 SHA256:${'A'.repeat(43)} node (ECDSA)`, host.address, 22)
        })
      )
      expect(e).toBeInstanceOf(SshRefused)
      expect(e.message).toMatch(
        new RegExp(
          `^${esc(host.address)} offers host keys [a-z0-9-, ]*ssh-ed25519[a-z0-9-, ]*; host-key names only ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521\\. Pin one of the host's own keys`
        )
      )
      expect(e.message).toMatch(/rsa-sha2-512/)
      expect(logins(host)).toBe(logins0)
    })

    it('a server that accepts and resets the connection', async () => {
      const { server, port } = await listener(s => s.resetAndDestroy())
      try {
        const e = await refusal({ ...settings(host), host: '127.0.0.1', port })
        expect(e).toBeInstanceOf(SshRefused)
        expect(e.message).toMatch(/^cannot reach 127\.0\.0\.1:\d+: /)
      } finally {
        server.close()
      }
    })

    it('the built action reports the ecdsa-only pin and exits 1, no stack trace', async () => {
      const id = staker(0)
      const run = await runAction({
        mode: 'verify',
        'staker-crt': id.crt.toString(),
        'staker-key': id.key.toString(),
        'signer-key': id.signer.toString('base64'),
        'expected-node-id': id.nodeId,
        host: host.address,
        username: 'ubuntu',
        'ssh-key': host.userKeys.ed25519.privateKey,
        'host-key': `256 SHA256:${'A'.repeat(43)} node (ECDSA)`
      })
      expect(run.code).toBe(1)
      expect(run.stderr).not.toMatch(/\n\s+at /)
      expect(run.stdout).toMatch(/::error::.*host-key names only ecdsa-sha2-nistp256/)
      expect(run.summary).toContain('host-key names only ecdsa-sha2-nistp256')
    })
  })

  describe('host keys matched like OpenSSH', () => {
    const connects: [string, () => [hostKey: string, port: number], 'ssh-ed25519' | 'ssh-rsa'][] = [
      [
        'known_hosts lines hashed by ssh-keygen -H',
        () => [hashed(host.knownHosts), 22],
        'ssh-ed25519'
      ],
      [
        '[host]:port on port 2222',
        () => [`[${host.address}]:2222 ${keyOf.ed25519}`, 2222],
        'ssh-ed25519'
      ],
      [
        '[host]:port hashed by ssh-keygen -H',
        () => [hashed(`[${host.address}]:2222 ${keyOf.rsa}\n`), 2222],
        'ssh-rsa'
      ],
      ['a pattern', () => [`169.254.*.2 ${keyOf.ed25519}`, 22], 'ssh-ed25519'],
      [
        'a comma list with ? and a negation of another host',
        () => [`other.example,169.254.???.*,169.254.*,!${UNREACHABLE_ADDRESS} ${keyOf.rsa}`, 22],
        'ssh-rsa'
      ],
      [
        'a revoked key that is not presented: the other pinned type is used',
        () => [
          `@revoked * ${keyOf.ed25519}\n${host.address} ${keyOf.ed25519}\n${host.hostKeys.rsa.knownHostsLine}`,
          22
        ],
        'ssh-rsa'
      ]
    ]
    it.each(connects)('%s', async (_name, input, type) => {
      const [hostKey, port] = input()
      const r = await connectsWith(settings(host, login(host, hostKey, port)))
      expect(r.hostname).toBe(host.name)
      expect(r.hostKey).toBe(
        `${host.hostKeys[type === 'ssh-rsa' ? 'rsa' : 'ed25519'].fingerprint} (${type})`
      )
    })

    it('an untyped RSA fingerprint, when ed25519 is negotiated by default: two handshakes, one login', async () => {
      const [connections, logins0] = [host.sshConnections(), logins(host)]
      const r = await connectsWith(settings(host, login(host, host.hostKeys.rsa.fingerprint)))
      expect(r.hostKey).toBe(`${host.hostKeys.rsa.fingerprint} (ssh-rsa)`)
      await until(() => logins(host) === logins0 + 1, 'sshd logged the login')
      expect(host.sshConnections()).toBe(connections + 2)
    })

    const refused: [string, () => [hostKey: string, port: number], () => RegExp][] = [
      [
        'a known_hosts line for another host name',
        () => [`node.example.com ${keyOf.ed25519}\nnode.example.com ${keyOf.rsa}`, 22],
        () =>
          new RegExp(
            `^host key mismatch: ${esc(host.address)} presented ${esc(host.hostKeys.ed25519.fingerprint)} \\(ssh-ed25519\\), which is not in host-key\\. None of host-key's known_hosts lines is for ${esc(host.address)}: like OpenSSH`
          )
      ],
      [
        'a plain line (port 22) when connecting to port 2222',
        () => [host.knownHosts, 2222],
        () =>
          new RegExp(`None of host-key's known_hosts lines is for \\[${esc(host.address)}\\]:2222`)
      ],
      [
        'a hashed line for another host',
        () => [hashed(`node.example.com ${keyOf.ed25519}\n`), 22],
        () => /which is not in host-key\. None of host-key's known_hosts lines is for/
      ],
      [
        'a pattern with this host negated',
        () => [`169.254.*,!${host.address} ${keyOf.ed25519}`, 22],
        () => new RegExp(`None of host-key's known_hosts lines is for ${esc(host.address)}`)
      ],
      [
        '@revoked: the presented key is refused even though another line pins it',
        () => [`@revoked * ${keyOf.ed25519}\n${host.hostKeys.ed25519.knownHostsLine}`, 22],
        () =>
          new RegExp(
            `^${esc(host.address)} presented the host key ${esc(host.hostKeys.ed25519.fingerprint)} \\(ssh-ed25519\\), which host-key marks @revoked: refused\\. Nothing was sent`
          )
      ],
      [
        'an untyped fingerprint of no key of the host: each type tried once',
        () => [`SHA256:${'B'.repeat(43)}`, 22],
        () =>
          new RegExp(
            `^host key mismatch: ${esc(host.address)} presented ${esc(host.hostKeys.ed25519.fingerprint)} \\(ssh-ed25519\\) and ${esc(host.hostKeys.rsa.fingerprint)} \\(ssh-rsa\\), none of which is in host-key\\.`
          )
      ]
    ]
    it.each(refused)('%s', async (_name, input, message) => {
      const [hostKey, port] = input()
      const logins0 = logins(host)
      const e = await refusal(settings(host, login(host, hostKey, port)))
      expect(e).toBeInstanceOf(SshRefused)
      expect(e.message).toMatch(message())
      expect(logins(host)).toBe(logins0)
    })

    it('the untyped fingerprint of no key: one handshake per type the host has, plus one that finds none left', async () => {
      const connections = host.sshConnections()
      await refusal(settings(host, login(host, `SHA256:${'B'.repeat(43)}`)))
      await until(() => host.sshConnections() >= connections + 3, 'sshd logged the handshakes')
      expect(host.sshConnections()).toBe(connections + 3)
    })
  })
})

describeWith(
  missing ?? 'root, sshd',
  !missing,
  'connect-timeout and the jump host (real sshd)',
  () => {
    let jump: NodeHost
    let node: NodeHost
    const id = staker(0)
    const through = (extra: Partial<SshSettings> = {}): SshSettings =>
      settings(node, { proxy: login(jump), ...extra })
    const sessions = (h: NodeHost) =>
      h.exec("pgrep -c -f '^sshd(-session)?: ubuntu' || true").stdout.trim()

    beforeAll(async () => {
      jump = await up({ startNode: false })
      node = await up({ identity: { crt: id.crt, key: id.key, signer: id.signer }, behind: jump })
    })

    it('a host that accepts TCP but never speaks SSH: refused after connect-timeout, with what to do', async () => {
      const held: Socket[] = []
      const { server, port } = await listener(s => held.push(s))
      try {
        const started = Date.now()
        const e = await refusal({
          ...settings(node),
          host: '127.0.0.1',
          port,
          connectTimeoutMs: 1000
        })
        const elapsed = Date.now() - started
        expect(e).toBeInstanceOf(SshRefused)
        expect(e.message).toMatch(
          /^cannot reach 127\.0\.0\.1:\d+: no SSH handshake in time\. Waited 1 s \(connect-timeout\)\. Node firewalls often admit SSH only from known addresses, which GitHub-hosted runners do not have: run this job on a self-hosted runner that can reach the node, or go through a jump host the node admits \(proxy-host\)\.$/
        )
        expect(elapsed).toBeGreaterThanOrEqual(900)
        expect(elapsed).toBeLessThan(10_000)
        const viaJump = await refusal({
          ...settings(node),
          connectTimeoutMs: 1000,
          proxy: { ...login(jump), host: '127.0.0.1', port }
        })
        expect(viaJump.message).toMatch(
          /^cannot reach the jump host 127\.0\.0\.1:\d+: no SSH handshake in time\. Waited 1 s \(connect-timeout\)\. Firewalls often admit SSH only from known addresses, which GitHub-hosted runners do not have: let the jump host admit the runner, or run this job on a self-hosted runner that can reach it\.$/
        )
      } finally {
        held.forEach(s => s.destroy())
        server.close()
      }
    })

    it('the node is out of this machine’s reach: a direct connection fails at once', async () => {
      const connections = node.sshConnections()
      const e = await refusal(settings(node))
      expect(e.message).toMatch(new RegExp(`^cannot reach ${esc(node.address)}:22: EHOSTUNREACH`))
      expect(node.sshConnections()).toBe(connections)
    })

    it('through the jump host: one login to each, the node sees the jump host as its client', async () => {
      const [jumpLogins, nodeLogins] = [logins(jump), logins(node)]
      const t = await connectSsh(through(), log)
      try {
        expect((await t.exec('hostname')).stdout.toString().trim()).toBe(node.name)
        // The node's API, on the node's own loopback, through both hops.
        const api = await t.exec(
          `curl -s -X POST -H 'content-type:application/json' --data '{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}' http://127.0.0.1:9650/ext/info`
        )
        expect(api.stdout.toString()).toContain(id.nodeId)
      } finally {
        await t.close()
      }
      expect(logins(jump)).toBe(jumpLogins + 1)
      expect(logins(node)).toBe(nodeLogins + 1)
      const jumpSide = node.address.replace(/\.2$/, '.1')
      expect(node.sshdLog()).toContain(`Connection from ${jumpSide} port`)
      await until(
        () => sessions(jump) === '0',
        'the jump connection ended with the node connection'
      )
    })

    it('reconnects through the jump host after the connection is lost (as restore does)', async () => {
      const s = through()
      const first = await connectSsh(s, log)
      expect((await first.exec('true')).code).toBe(0)
      jump.exec("pkill -KILL -f 'sshd: ubuntu'")
      let lost: unknown
      // Each exec after the cut either fails as ConnectionLost or is never answered: wait for the first.
      const deadline = Date.now() + 20_000
      while (!lost && Date.now() < deadline) {
        lost = await first.exec('true').then(
          () => undefined,
          (e: unknown) => e
        )
      }
      expect(lost).toBeInstanceOf(ConnectionLost)
      const again: HostTransport = await connectSsh(s, log)
      try {
        expect((await again.exec('hostname')).stdout.toString().trim()).toBe(node.name)
      } finally {
        await again.close()
        await first.close()
      }
      await until(() => sessions(jump) === '0', 'no jump connection is left open')
    })

    it.each<[string, () => SshSettings, () => RegExp]>([
      [
        'a wrong proxy-host-key',
        () =>
          through({ proxy: login(jump, node.knownHosts.replaceAll(node.address, jump.address)) }),
        () =>
          new RegExp(
            `^host key mismatch: the jump host ${esc(jump.address)} presented ${esc(jump.hostKeys.ed25519.fingerprint)} \\(ssh-ed25519\\), which is not in proxy-host-key\\.`
          )
      ],
      [
        'no proxy-host-key',
        () => through({ proxy: { ...login(jump), hostKeys: undefined } as SshLogin }),
        () =>
          new RegExp(`^proxy-host-key is required to trust the jump host ${esc(jump.address)}\\.`)
      ],
      [
        'the jump host cannot reach the node',
        () => ({ ...through(), host: UNREACHABLE_ADDRESS }),
        () =>
          new RegExp(
            `^cannot reach ${esc(UNREACHABLE_ADDRESS)}:22 through the jump host ${esc(jump.address)}:22: the jump host could not open a connection to it \\(open failed\\)\\. Check the address and port as the jump host sees them`
          )
      ],
      [
        "the node's host key is still checked through the jump host",
        () =>
          through({
            hostKeys: parseHostKeys(
              jump.knownHosts.replaceAll(jump.address, node.address),
              node.address,
              22
            )
          }),
        () =>
          new RegExp(
            `^host key mismatch: ${esc(node.address)} presented ${esc(node.hostKeys.ed25519.fingerprint)} \\(ssh-ed25519\\), which is not in host-key\\.`
          )
      ]
    ])('%s', async (_name, s, message) => {
      const nodeLogins = logins(node)
      const e = await refusal(s())
      expect(e).toBeInstanceOf(SshRefused)
      expect(e.message).toMatch(message())
      expect(logins(node)).toBe(nodeLogins)
      await until(() => sessions(jump) === '0', 'the jump connection was closed')
    })

    it('a jump host without TCP forwarding', async () => {
      const closed = await up({ startNode: false, allowTcpForwarding: false })
      const e = await refusal(through({ proxy: login(closed) }))
      expect(e.message).toBe(
        `cannot reach ${node.address}:22 through the jump host ${closed.address}:22: the jump host does not allow TCP forwarding (sshd's AllowTcpForwarding).`
      )
    })

    it('the built action verifies the live node through the jump host', async () => {
      const run = await runAction({
        mode: 'verify',
        'staker-crt': id.crt.toString(),
        'staker-key': id.key.toString(),
        'signer-key': id.signer.toString('base64'),
        'expected-node-id': id.nodeId,
        host: node.address,
        username: 'ubuntu',
        'ssh-key': node.userKeys.ed25519.privateKey,
        'host-key': node.knownHosts,
        'proxy-host': jump.address,
        'proxy-ssh-key': jump.userKeys.ed25519.privateKey,
        'proxy-host-key': jump.knownHosts,
        'connect-timeout': '10'
      })
      expect(run.stdout).not.toMatch(/::error::/)
      expect(run.code).toBe(0)
      expect(run.masked).toEqual(
        expect.arrayContaining(jump.userKeys.ed25519.privateKey.trim().split('\n').slice(1, -1))
      )
    })

    it('the CLI verifies the live node through the jump host', async () => {
      const dir = tempDir('cli-jump')
      writeFileSync(join(dir, 'staker.crt'), id.crt)
      writeFileSync(join(dir, 'staker.key'), id.key)
      writeFileSync(join(dir, 'signer.key'), id.signer)
      writeFileSync(join(dir, 'id'), node.userKeys.ed25519.privateKey, { mode: 0o600 })
      writeFileSync(join(dir, 'jump-id'), jump.userKeys.ed25519.privateKey, { mode: 0o600 })
      writeFileSync(join(dir, 'jump_known_hosts'), jump.knownHosts)
      const r = spawnSync(
        NODE24,
        [
          join(ROOT, 'dist', 'cli.js'),
          'verify',
          '--staking-dir',
          dir,
          '--expected-node-id',
          id.nodeId,
          '--host',
          node.address,
          '--username',
          'ubuntu',
          '--ssh-key',
          join(dir, 'id'),
          '--host-key',
          node.hostKeys.ed25519.fingerprint,
          '--proxy-host',
          jump.address,
          '--proxy-ssh-key',
          join(dir, 'jump-id'),
          '--proxy-host-key',
          join(dir, 'jump_known_hosts'),
          '--connect-timeout',
          '10'
        ],
        { encoding: 'utf8', timeout: 60_000 }
      )
      expect(r.stderr).toBe('')
      expect(r.stdout).toContain('All checks passed.')
      expect(r.status).toBe(0)
    })

    // Last in this group: it changes the node's files (and puts them back).
    it('a restore through the jump host reconnects through it after the connection is cut, and sees the host finish', async () => {
      const other = staker(1)
      node.simulate({ faultsFor: { [other.nodeId]: { startDelayMs: 4000 } } })
      const jumpLogins = logins(jump)
      const running = runAction({
        mode: 'restore',
        'staker-crt': other.crt.toString(),
        'staker-key': other.key.toString(),
        'signer-key': other.signer.toString('base64'),
        'expected-node-id': other.nodeId,
        host: node.address,
        username: 'ubuntu',
        'ssh-key': node.userKeys.ed25519.privateKey,
        'host-key': node.knownHosts,
        'proxy-host': jump.address,
        'proxy-ssh-key': jump.userKeys.ed25519.privateKey,
        'proxy-host-key': jump.knownHosts,
        'wait-timeout': '20'
      })
      // Once the files are swapped, cut the path: every SSH session of ubuntu on the jump host.
      await until(
        () =>
          / file staker\.crt new$/m.test(
            node.exec(`cat /var/lib/avalanche-node-backup/*/previous-*/restore.journal 2>/dev/null`)
              .stdout
          ),
        'the files were swapped'
      )
      jump.exec("pkill -KILL -f '^sshd: ubuntu'")
      const run = await running
      expect(run.stdout).toMatch(/the SSH connection to ubuntu@\S+ was lost.*reconnected/)
      // The host finished the restore on its own; the runner saw it through the new path.
      expect({ code: run.code, hostState: run.outputs['host-state'] }).toEqual({
        code: 0,
        hostState: 'restored'
      })
      expect((await node.waitForNode()).nodeID).toBe(other.nodeId)
      // The reconnect was a new login on the jump host: the node is unreachable any other way.
      expect(logins(jump)).toBeGreaterThanOrEqual(jumpLogins + 2)
    }, 120_000)
  }
)
