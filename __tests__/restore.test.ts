import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatNodeId } from '../src/identity/node-id.js'
import { hostPrerequisites, type IdentityFiles, type NodeHost } from '../test-hosts/host.js'
import { generateIdentity, opensslShortId } from './support/identities.js'
import { describeWith, HAVE_VECTORS, NODE24, ROOT } from './support/prerequisites.js'
import { leaks, runAction, secretForms, type ActionRun } from './support/runner.js'
import { tempDir } from './support/tmp.js'
import { previousDirs } from './support/faults.js'
import { staker, vectors } from './support/vectors.js'
import { cliHostFlags, hostInputs, up } from './support/hosts.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

interface Identity extends IdentityFiles {
  nodeId: string
  bls?: string
}

function ecdsaIdentity(): Identity {
  const id = generateIdentity('ec')
  return {
    crt: id.crt,
    key: id.key,
    signer: id.signer,
    nodeId: formatNodeId(opensslShortId(id.crtPath))
  }
}

/** The action's inputs for a restore of `id` onto `host`, as a workflow would pass them. */
function inputs(
  host: NodeHost,
  id: Identity,
  extra: Record<string, string> = {}
): Record<string, string> {
  return hostInputs(host, id, { 'wait-timeout': '20', ...extra })
}

/** Everything a restore may touch on the host, to compare before and after. */
function snapshot(host: NodeHost) {
  return {
    files: host.exec(
      `cd /home/ubuntu/.avalanchego && find . -path ./process.json -prune -o -type f -print | sort | xargs sha256sum`
    ).stdout,
    nodeId: host.nodeInfo()?.nodeID
  }
}

function noKeyMaterial(run: ActionRun, ...ids: Identity[]): void {
  const forms = secretForms(...ids.flatMap(i => [i.key, i.signer]))
  expect(leaks(run.visibleLog, forms)).toEqual([])
  expect(leaks(JSON.stringify(run.outputs), forms)).toEqual([])
  expect(leaks(run.summary, forms)).toEqual([])
}

const mainPid = (host: NodeHost) =>
  host.exec('systemctl show -p MainPID --value avalanchego').stdout.trim()

describeWith(
  missing ?? 'root, sshd',
  !missing,
  'restore (the built action against node hosts)',
  () => {
    describe('onto a host that made its own identity', () => {
      it.each([
        ['an ECDSA P-256 identity (PKCS#8, the current format)', ecdsaIdentity],
        ['an RSA-4096 identity (PKCS#1, avalanchego staker1)', () => staker(0)]
      ])(
        "%s: the node reports it, files are the node user's, the previous identity is kept",
        async (_name, make) => {
          const id = make()
          const host = await up()
          const before = snapshot(host)
          const previousFiles = Object.fromEntries(
            ['staker.crt', 'staker.key', 'signer.key'].map(f => [
              f,
              host.readFile(`${host.stakingDir}/${f}`)
            ])
          )
          const run = await runAction(inputs(host, id), { RUNNER_DEBUG: '1' })
          expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
          expect(run.code).toBe(0)

          const info = host.nodeInfo()!
          expect(info.nodeID).toBe(id.nodeId)
          expect(run.outputs['node-id']).toBe(id.nodeId)
          expect(run.outputs['bls-public-key']).toBe(info.nodePOP!.publicKey)
          if (id.bls) expect(info.nodePOP!.publicKey).toBe(id.bls)
          expect(run.outputs['previous-node-id']).toBe(before.nodeId)
          expect(Number(run.outputs['downtime-ms'])).toBeGreaterThan(0)

          const ls = host.exec(
            `stat -c '%a %U' ${host.stakingDir} ${host.stakingDir}/staker.crt ${host.stakingDir}/staker.key ${host.stakingDir}/signer.key`
          )
          expect(ls.stdout.trim().split('\n')).toEqual([
            '750 ubuntu',
            '400 ubuntu',
            '400 ubuntu',
            '400 ubuntu'
          ])
          expect(host.readFile(`${host.stakingDir}/signer.key`).equals(id.signer)).toBe(true)
          expect(
            host.exec(`ls -A ${host.stakingDir}`).stdout.split('\n').filter(Boolean).sort()
          ).toEqual(['signer.key', 'staker.crt', 'staker.key'])

          const kept = run.outputs['previous-files']!
          expect(kept).toMatch(
            /^\/var\/lib\/avalanche-node-backup\/[0-9a-f]{12}\/previous-\d{8}T\d{6}Z-[0-9a-f]{6}$/
          )
          for (const [f, bytes] of Object.entries(previousFiles))
            expect(host.readFile(`${kept}/${f}`).equals(bytes)).toBe(true)

          expect(run.summary).toContain('<h2>Restore to ubuntu@')
          for (const step of [
            'Connect',
            'Look at the host',
            'Upload',
            'Stop the node',
            'Swap the files',
            'Start the node',
            'Check the NodeID'
          ]) {
            expect(run.summary).toContain(`<td>${step}</td><td>✅ done</td>`)
          }
          expect(run.summary).toContain(`<td>before</td><td>${before.nodeId}</td>`)
          expect(run.summary).toContain(`<td>after</td><td>${id.nodeId}</td>`)
          noKeyMaterial(run, id)
        }
      )

      it('a second identical run restarts nothing; force restarts', async () => {
        const id = staker(1)
        const host = await up()
        expect(outcome(await runAction(inputs(host, id)))).toEqual({ code: 0, errors: [] })
        const pid = mainPid(host)
        const again = await runAction(inputs(host, id))
        expect(again.code).toBe(0)
        expect(again.stdout).toContain('already runs')
        expect(mainPid(host)).toBe(pid)
        expect(again.outputs['previous-files']).toBe('')
        const forced = await runAction(inputs(host, id, { force: 'true' }))
        expect(outcome(forced)).toEqual({ code: 0, errors: [] })
        expect(mainPid(host)).not.toBe(pid)
        expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
      })
    })

    describe('refusals change nothing on the host', () => {
      let host: NodeHost
      let before: ReturnType<typeof snapshot>
      const id = staker(2)
      beforeAll(async () => {
        host = await up({ sudoPassword: false })
        before = snapshot(host)
      })
      afterEach(() => expect(snapshot(host)).toEqual(before))

      it('a wrong expected-node-id stops before connecting', async () => {
        const connections = host.sshConnections()
        const run = await runAction(
          inputs(host, id, { 'expected-node-id': vectors.stakers[3]!.nodeID })
        )
        expect(run.code).toBe(1)
        expect(run.stdout).toContain(
          `NodeID is the expected one: staker.crt gives ${id.nodeId}, not ${vectors.stakers[3]!.nodeID}`
        )
        // The summary shows the operator's expectation as expected, and says the node was not asked.
        expect(run.summary).toContain(`<td>expected</td><td>${vectors.stakers[3]!.nodeID}</td>`)
        expect(run.summary).toContain('<td>before</td><td>(not asked)</td>')
        expect(run.summary).toContain('<th>When</th><th>NodeID</th>')
        expect(host.sshConnections()).toBe(connections)
      })

      it('a host key mismatch ends the run before authentication: no key material sent', async () => {
        const other = await up({ startNode: false })
        const accepted = () => (host.sshdLog().match(/Accepted publickey/g) ?? []).length
        const [connections, logins] = [host.sshConnections(), accepted()]
        const run = await runAction(inputs(host, id, { 'host-key': other.knownHosts }))
        expect(run.code).toBe(1)
        expect(run.stdout).toMatch(
          /host key mismatch: 169\.254\.\d+\.2 presented SHA256:\S+ \(ssh-ed25519\), which is not in host-key/
        )
        expect(run.stdout).toContain('Nothing was sent to the host')
        // sshd saw a connection that ended in the key exchange: no login, so no command and no file.
        expect(host.sshConnections()).toBe(connections + 1)
        expect(accepted()).toBe(logins)
        noKeyMaterial(run, id)
      })

      it('without host-key it fails, shows the key the host offered and how to check it', async () => {
        const run = await runAction(inputs(host, id, { 'host-key': '' }))
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('host-key is required')
        expect(run.stdout).toContain(host.hostKeys.ed25519.fingerprint)
        expect(run.stdout).toContain('ssh-keygen -lf')
      })

      it('pinning works whichever key type is pinned: known_hosts lines of one type, or fingerprints', async () => {
        const pinned = await up({ identity: id })
        const cases: [string, string][] = [
          [pinned.hostKeys.rsa.knownHostsLine, 'ssh-rsa'],
          [pinned.hostKeys.ed25519.knownHostsLine, 'ssh-ed25519'],
          [`3072 ${pinned.hostKeys.rsa.fingerprint} ${pinned.address} (RSA)`, 'ssh-rsa'],
          [pinned.hostKeys.ed25519.fingerprint, 'ssh-ed25519']
        ]
        for (const [hostKey, type] of cases) {
          // The host already runs this backup: the run connects, looks, and changes nothing.
          const run = await runAction(inputs(pinned, id, { 'host-key': hostKey }), {
            RUNNER_DEBUG: '1'
          })
          expect({ hostKey, ...outcome(run) }).toEqual({ hostKey, code: 0, errors: [] })
          expect(run.stdout).toMatch(
            new RegExp(`::debug::connected to ubuntu@\\S+, host key SHA256:\\S+ \\(${type}\\)`)
          )
          expect(run.stdout).toContain('already runs')
        }
      })

      it('a user key the host does not accept', async () => {
        const keyFile = join(tempDir('key'), 'id')
        expect(
          spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]).status
        ).toBe(0)
        const run = await runAction(inputs(host, id, { 'ssh-key': readFileSync(keyFile, 'utf8') }))
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('SSH login as ubuntu on')
        expect(run.stdout).toContain('was refused: the server did not accept ssh-key')
      })

      it('an unreachable host', async () => {
        const run = await runAction(inputs(host, id, { port: '1' }))
        expect(run.code).toBe(1)
        expect(run.stdout).toMatch(/cannot reach 169\.254\.\d+\.2:1: ECONNREFUSED/)
      })

      it('a staking directory the node user cannot write', async () => {
        host.exec(`chmod 550 ${host.stakingDir}`)
        before = snapshot(host)
        try {
          const run = await runAction(inputs(host, id))
          expect(run.code).toBe(1)
          expect(run.stdout).toContain(
            `the staking directory is not writable: ubuntu (the node's user) cannot write ${host.stakingDir}`
          )
        } finally {
          host.exec(`chmod 750 ${host.stakingDir}`)
          before = snapshot(host)
        }
      })

      it('sudo that asks for a password', async () => {
        const pw = await up({ sudoPassword: true })
        const snap = snapshot(pw)
        const run = await runAction(inputs(pw, id))
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('asks ubuntu for a password, and a restore cannot type one')
        expect(snapshot(pw)).toEqual(snap)
      })
    })

    describe('failures after the stop end with the previous identity running again', () => {
      const rolledBack = async (host: NodeHost, run: ActionRun, previous: string | undefined) => {
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('::group::Roll back')
        expect(run.stdout).toContain('The previous files were put back and the node started again')
        expect(run.outputs['host-state']).toBe('unchanged')
        expect((await host.waitForNode()).nodeID).toBe(previous)
        expect(run.outputs['previous-files']).toMatch(/\/previous-\d{8}T/)
      }

      it('the node refuses the restored files', async () => {
        const id = staker(3)
        const host = await up({
          simulation: { faultsFor: { [id.nodeId]: { crashOnStart: true } } }
        })
        const previous = host.nodeInfo()?.nodeID
        const run = await runAction(inputs(host, id, { 'wait-timeout': '30' }))
        // Restart=always restarts it every second: the first exit is seen, no need to wait 30 s.
        expect(run.stdout).toContain('the node exited after starting (activating)')
        await rolledBack(host, run, previous)
      })

      it('the node starts with another identity (its config points elsewhere: the trap)', async () => {
        const id = staker(4)
        const host = await up()
        host.exec(
          `mkdir -p /home/ubuntu/elsewhere && cp -p ${host.stakingDir}/staker.* /home/ubuntu/elsewhere/ && chown -R ubuntu: /home/ubuntu/elsewhere`
        )
        host.exec(
          `cat > /home/ubuntu/.avalanchego/configs/node.json`,
          'root',
          JSON.stringify({
            'staking-tls-cert-file': '/home/ubuntu/elsewhere/staker.crt',
            'staking-tls-key-file': '/home/ubuntu/elsewhere/staker.key'
          })
        )
        host.service('restart')
        const previous = (await host.waitForNode()).nodeID
        // Found from the node's config: the files are not in one staking directory, refused first.
        const refused = await runAction(inputs(host, id))
        expect(refused.stdout).toContain(
          'not staker.crt, staker.key and signer.key in one directory, which is what a restore writes'
        )
        expect(refused.outputs['host-state']).toBe('unchanged')
        // An operator who insists on the wrong staking-dir: the NodeID check catches it afterwards.
        const run = await runAction(inputs(host, id, { 'staking-dir': '~/.avalanchego/staking' }))
        expect(run.stdout).toContain(
          `the node started with NodeID ${previous}, not ${id.nodeId}: it did not take the restored files`
        )
        await rolledBack(host, run, previous)
      })

      it('the node never answers', async () => {
        const id = staker(0)
        const host = await up({
          simulation: { faultsFor: { [id.nodeId]: { startDelayMs: 600_000 } } }
        })
        const previous = host.nodeInfo()?.nodeID
        const run = await runAction(inputs(host, id, { 'wait-timeout': '2' }))
        expect(run.stdout).toContain('the node did not answer info.getNodeID within 2 s')
        await rolledBack(host, run, previous)
      })

      it('the SSH connection drops while waiting for the node: the host finishes, the runner reconnects', async () => {
        const id = staker(1)
        const host = await up({
          simulation: { faultsFor: { [id.nodeId]: { startDelayMs: 4000 } } }
        })
        const running = runActionAsync(inputs(host, id))
        // Once the new files are in place (the journal says so), cut every SSH session of ubuntu.
        await until(
          () =>
            / file staker\.crt new$/m.test(
              host.exec(`cat $(ls -d ${previousDirs(host)} 2>/dev/null)/restore.journal`).stdout
            ),
          15_000
        )
        host.exec(`pkill -KILL -f 'sshd: ubuntu'`)
        const run = await running
        expect(run.stdout).toMatch(/the SSH connection to ubuntu@\S+ was lost.*reconnected/)
        expect(outcome(run)).toEqual({ code: 0, errors: [] })
        expect(run.outputs['host-state']).toBe('restored')
        expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
      })

      it('the SSH connection drops during the upload: the node is untouched', async () => {
        const id = staker(2)
        const host = await up()
        const before = snapshot(host)
        // A slow disk on the host: sha256sum (run right after each upload) takes a while.
        host.exec(
          `printf '#!/bin/sh\\nsleep 3\\nexec /usr/bin/sha256sum "$@"\\n' > /usr/local/sbin/sha256sum && chmod 755 /usr/local/sbin/sha256sum`
        )
        const running = runActionAsync(inputs(host, id))
        await until(
          () => host.exec(`ls ${host.stakingDir}/.*.new-* 2>/dev/null`).stdout.trim() !== '',
          15_000
        )
        host.exec(`pkill -KILL -f 'sshd: ubuntu'`)
        const run = await running
        host.exec('rm -f /usr/local/sbin/sha256sum')
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('was lost')
        expect(run.stdout).not.toContain('::group::Stop the node')
        expect(snapshot(host)).toEqual(before) // the temporary files were removed after reconnecting
      })
    })

    it('on the node machine itself (a self-hosted runner, no host): the local transport', async () => {
      const id = staker(2)
      const host = await up()
      // The runner's files, readable by the runner user (ubuntu on the host).
      const dir = tempDir('self-hosted')
      chmodSync(dir, 0o755)
      for (const [f, b] of [
        ['staker.crt', id.crt],
        ['staker.key', id.key],
        ['signer.key', id.signer]
      ] as const) {
        writeFileSync(join(dir, f), b, { mode: 0o644 })
      }
      for (const f of ['output', 'summary']) {
        writeFileSync(join(dir, f), '')
        chmodSync(join(dir, f), 0o666)
      }
      const env = {
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        INPUT_MODE: 'restore',
        'INPUT_STAKER-CRT': join(dir, 'staker.crt'),
        'INPUT_STAKER-KEY': join(dir, 'staker.key'),
        'INPUT_SIGNER-KEY': join(dir, 'signer.key'),
        'INPUT_EXPECTED-NODE-ID': id.nodeId,
        'INPUT_INSECURE-SKIP-HOST-KEY-CHECK': 'false',
        INPUT_FORCE: 'false'
      }
      const args = Object.entries(env)
        .map(([k, v]) => `'${k}=${v}'`)
        .join(' ')
      const r = host.exec(
        `cd /home/ubuntu && env ${args} ${NODE24} ${join(ROOT, 'dist/index.js')}`,
        'ubuntu'
      )
      expect(r.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('connected to this machine')
      expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
      expect(readFileSync(join(dir, 'output'), 'utf8')).toMatch(
        /previous-files<<\S+\n\/var\/lib\/avalanche-node-backup\/[0-9a-f]{12}\/previous-/
      )
    })

    it('insecure-skip-host-key-check connects without host-key, with a loud warning', async () => {
      const id = staker(3)
      const host = await up({ identity: id })
      const run = await runAction(
        inputs(host, id, { 'host-key': '', 'insecure-skip-host-key-check': 'true' })
      )
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(
        new RegExp(
          `::warning::insecure-skip-host-key-check is on: the host key of ${host.address.replace(/\./g, '\\.')} was NOT verified \\(it presented ${host.hostKeys.ed25519.fingerprint.replace(/[+/]/g, '\\$&')}`
        )
      )
    })

    it('forwarding disabled on the host: the API is asked with curl on the host, with a warning', async () => {
      const id = staker(3)
      const host = await up({ allowTcpForwarding: false })
      const run = await runAction(inputs(host, id))
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(
        /::warning::.*does not allow TCP forwarding: asking the node's API with curl on the host instead/
      )
      expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
    })

    it('two restores at once against one host: one waits for the other, the host ends consistent', async () => {
      const id = staker(4)
      const host = await up()
      const [a, b] = await Promise.all([
        runActionAsync(inputs(host, id)),
        runActionAsync(inputs(host, id))
      ])
      expect([outcome(a), outcome(b)]).toEqual([
        { code: 0, errors: [] },
        { code: 0, errors: [] }
      ])
      const restarted = [a, b].filter(r => r.outputs['previous-files'] !== '')
      expect(restarted).toHaveLength(1)
      expect([a, b].some(r => r.stdout.includes('already runs'))).toBe(true)
      expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
      expect(
        host
          .exec(`ls -d ${previousDirs(host)} 2>/dev/null`)
          .stdout.trim()
          .split('\n')
      ).toHaveLength(1)
    })

    it('the CLI restores from a backup directory, with the same story', async () => {
      const id = staker(0)
      const host = await up()
      const dir = tempDir('backup')
      writeFileSync(join(dir, 'staker.crt'), id.crt)
      writeFileSync(join(dir, 'staker.key'), id.key)
      writeFileSync(join(dir, 'signer.key'), id.signer)
      const r = spawnSync(
        NODE24,
        [
          join(ROOT, 'dist/cli.js'),
          'restore',
          '--backup-dir',
          dir,
          '--expected-node-id',
          id.nodeId,
          ...cliHostFlags(host, dir, 'rsa')
        ],
        { encoding: 'utf8' }
      )
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      expect(r.stdout).toContain('== Stop the node')
      expect(r.stdout).toContain(`NodeID after         ${id.nodeId}`)
      expect(r.stdout).toContain('Restored: the node reports')
      expect(host.nodeInfo()?.nodeID).toBe(id.nodeId)
    })
  }
)

/** The exit code with the error annotations: a failing assertion shows why the run failed. */
function outcome(run: ActionRun) {
  return { code: run.code, errors: run.stdout.split('\n').filter(l => l.startsWith('::error')) }
}

/** runAction, for runs that must overlap with something else. */
function runActionAsync(i: Record<string, string>): Promise<ActionRun> {
  return runAction(i)
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise(r => setTimeout(r, 50))
  }
}
