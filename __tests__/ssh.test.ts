import { createServer, type Server } from 'node:net'
import { parseHostKeys } from '../src/host/host-keys.js'
import { connectSsh, SshRefused, type SshSettings } from '../src/host/ssh.js'
import type { Log } from '../src/log.js'
import { hostPrerequisites, type NodeHost } from '../test-hosts/host.js'
import { describeWith, HAVE_VECTORS } from './support/prerequisites.js'
import { up } from './support/hosts.js'
import { runAction } from './support/runner.js'
import { staker } from './support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

const warnings: string[] = []
const log: Log = {
  info: () => {},
  debug: () => {},
  warning: m => warnings.push(m),
  group: (_name, fn) => fn()
}

function settings(host: NodeHost, extra: Partial<SshSettings> = {}): SshSettings {
  return {
    host: host.address,
    port: host.port,
    username: 'ubuntu',
    privateKey: host.userKeys.ed25519.privateKey,
    hostKeys: parseHostKeys(host.knownHosts),
    insecureSkipHostKeyCheck: false,
    ...extra
  }
}

/** The error connectSsh ends with (the test fails if it connects). */
async function refusal(s: SshSettings): Promise<Error> {
  const t = await connectSsh(s, log).then(
    async t => {
      await t.close()
      return undefined
    },
    (e: unknown) => e as Error
  )
  if (!t) throw new Error('connected, but a refusal was expected')
  return t
}

/** A TCP server on loopback that accepts each connection and resets it at once. */
async function resetter(): Promise<{ server: Server; port: number }> {
  const server = createServer(s => s.resetAndDestroy())
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  return { server, port: (server.address() as { port: number }).port }
}

describeWith(missing ?? 'root, sshd', !missing, 'SSH connections (real sshd)', () => {
  let host: NodeHost
  beforeAll(async () => {
    host = await up({ startNode: false })
  })

  describe('every failure is a clear refusal, never a crash', () => {
    it('a pin of only a key type the host lacks (ecdsa; the host has ed25519 and rsa)', async () => {
      const e = await refusal(
        settings(host, {
          hostKeys: parseHostKeys('256 SHA256:' + 'A'.repeat(43) + ' node (ECDSA)')
        })
      )
      expect(e).toBeInstanceOf(SshRefused)
      expect(e.message).toContain(host.address)
    })

    it('a server that accepts and resets the connection', async () => {
      const { server, port } = await resetter()
      try {
        const e = await refusal({
          ...settings(host),
          host: '127.0.0.1',
          port
        })
        expect(e).toBeInstanceOf(SshRefused)
        expect(e.message).toMatch(/^cannot reach 127\.0\.0\.1:\d+: /)
      } finally {
        server.close()
      }
    })

    it('the built action reports the ecdsa-only pin in its summary and exits 1, no stack trace', async () => {
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
        'host-key': '256 SHA256:' + 'A'.repeat(43) + ' node (ECDSA)'
      })
      expect(run.code).toBe(1)
      expect(run.stderr).not.toMatch(/\n\s+at /)
      expect(run.stdout).toMatch(/::error::.*169\.254\.\d+\.2/)
      expect(run.summary).not.toBe('')
    })
  })
})
