import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostPrerequisites, UNREACHABLE_ADDRESS, type NodeHost } from '../test-hosts/host.js'
import { describeWith, HAVE_VECTORS, NODE24, ROOT } from './support/prerequisites.js'
import { leaks, runAction, secretForms, type ActionRun } from './support/runner.js'
import { tempDir } from './support/tmp.js'
import { staker, vectorFile, vectors } from './support/vectors.js'
import { cliHostFlags, up } from './support/hosts.js'

const HAVE_AGE = spawnSync('sh', ['-c', 'command -v age && command -v age-keygen']).status === 0
const missing =
  hostPrerequisites() ??
  (HAVE_VECTORS ? undefined : '../shared/vectors') ??
  (HAVE_AGE ? undefined : 'age (Debian package age)')

type Staker = ReturnType<typeof staker>

const ssh = (host: NodeHost) => ({
  host: host.address,
  username: 'ubuntu',
  'ssh-key': host.userKeys.ed25519.privateKey,
  'host-key': host.knownHosts
})

const verifyInputs = (host: NodeHost, id: Staker, extra: Record<string, string> = {}) => ({
  mode: 'verify',
  'staker-crt': id.crt.toString(),
  'staker-key': id.key.toString(),
  'signer-key': id.signer.toString('base64'),
  'expected-node-id': id.nodeId,
  'expected-bls-public-key': id.bls,
  ...ssh(host),
  ...extra
})

interface Result {
  ok: boolean
  checks: { id: string; status: string; found?: string; detail?: string }[]
}
const checks = (run: ActionRun) =>
  Object.fromEntries((JSON.parse(run.outputs.result!) as Result).checks.map(c => [c.id, c]))

function ageKey(): { identity: string; recipient: string; file: string } {
  const file = join(tempDir('age'), 'key.txt')
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' })
  const identity = readFileSync(file, 'utf8')
  return { identity, recipient: /public key: (age1\S+)/.exec(identity)![1]!, file }
}

describeWith(
  missing ?? 'root, sshd, age',
  !missing,
  'the backup against the live node, probe and backup (built action)',
  () => {
    describe('verify with a host', () => {
      let host: NodeHost
      const id = staker(0)
      beforeAll(async () => {
        // sudo asks for a password here, so passing proves the verification needs none.
        host = await up({ identity: id, sudoPassword: true })
      })

      it('passes on a host that runs the backup, reading the files without sudo and changing nothing', async () => {
        const before = host.exec(
          'find /home/ubuntu/.avalanchego -type f | sort | xargs sha256sum'
        ).stdout
        const run = await runAction(verifyInputs(host, id), { RUNNER_DEBUG: '1' })
        expect(run.code).toBe(0)
        const c = checks(run)
        for (const k of [
          'host-staker.crt',
          'host-staker.key',
          'host-signer.key',
          'node-node-id',
          'node-bls-public-key',
          'node-health'
        ]) {
          expect({ k, status: c[k]?.status }).toEqual({ k, status: 'pass' })
        }
        expect(c['host-staker.key']!.found).toBe('same (ubuntu 400)')
        expect(
          host.exec('find /home/ubuntu/.avalanchego -type f | sort | xargs sha256sum').stdout
        ).toBe(before)
        expect(run.summary).toContain('Backup verification against the live node')
        const forms = secretForms(id.key, id.signer)
        expect(leaks(run.visibleLog + run.summary + JSON.stringify(run.outputs), forms)).toEqual([])
      })

      it('fails naming the file when one file on the host differs, and warns on a readable key', async () => {
        const other = await up({ identity: id })
        other.exec(
          `chmod 600 ${other.stakingDir}/signer.key && cat > ${other.stakingDir}/signer.key && chmod 440 ${other.stakingDir}/signer.key`,
          'root',
          vectorFile(vectors.stakers[1]!.signer)
        )
        other.exec(`chmod 444 ${other.stakingDir}/staker.key`)
        const run = await runAction(verifyInputs(other, id))
        expect(run.code).toBe(1)
        const c = checks(run)
        expect(c['host-signer.key']).toMatchObject({
          status: 'fail',
          found: 'different (ubuntu 440)',
          detail: `${other.stakingDir}/signer.key differs from the backup`
        })
        expect(c['host-staker.key']).toMatchObject({ status: 'warn', found: 'same (ubuntu 444)' })
        expect(run.stdout).toMatch(
          /::warning::staker\.key on the host is the backup's: .*readable by other users \(mode 444\)/
        )
        expect(run.stdout).toMatch(/::error::.*signer\.key on the host is the backup's/)
      })

      it('fails when the node reports another BLS key (a regenerated signer.key, avalanchego #2863)', async () => {
        const regenerated = await up({ identity: id })
        // The node lost its signer.key and made a new one at start: same NodeID, new BLS key.
        regenerated.exec(
          `rm -f ${regenerated.stakingDir}/signer.key && systemctl restart avalanchego`
        )
        await regenerated.waitForNode()
        const run = await runAction(verifyInputs(regenerated, id))
        expect(run.code).toBe(1)
        const c = checks(run)
        expect(c['node-node-id']!.status).toBe('pass')
        expect(c['node-bls-public-key']).toMatchObject({
          status: 'fail',
          detail: expect.stringContaining(`the backup gives ${id.bls}`)
        })
        expect(c['host-signer.key']!.status).toBe('fail')
      })

      it('fails when the node reports another NodeID', async () => {
        const wrong = await up({
          identity: id,
          simulation: { reportNodeId: vectors.stakers[2]!.nodeID }
        })
        const run = await runAction(verifyInputs(wrong, id))
        expect(run.code).toBe(1)
        expect(checks(run)['node-node-id']).toMatchObject({
          status: 'fail',
          found: vectors.stakers[2]!.nodeID
        })
      })

      it('reports a bootstrapping node as healthy-pending, not failed', async () => {
        const booting = await up({ identity: id, simulation: { bootstrapDelayMs: 600_000 } })
        const run = await runAction(verifyInputs(booting, id))
        expect(run.code).toBe(0)
        expect(checks(run)['node-health']).toMatchObject({
          status: 'warn',
          found: expect.stringContaining('healthy-pending')
        })
      })

      it('says what it needs when the files are not readable by the login user and sudo asks a password', async () => {
        const locked = await up({ identity: id, sudoPassword: true })
        locked.exec(`chown -R root:root ${locked.stakingDir} && chmod 700 ${locked.stakingDir}`)
        const run = await runAction(verifyInputs(locked, id))
        expect(run.code).toBe(1)
        expect(checks(run)['host-staker.crt']!.detail).toMatch(
          /ubuntu cannot look inside .*staking \(root 700\); log in as the node's user, or allow sudo -n/
        )
      })
    })

    it('the CLI verifies a backup directory against the live node', async () => {
      const id = staker(4)
      const host = await up({ identity: id })
      const dir = tempDir('cli-verify')
      for (const [f, b] of [
        ['staker.crt', id.crt],
        ['staker.key', id.key],
        ['signer.key', id.signer]
      ] as const)
        writeFileSync(join(dir, f), b)
      const args = [
        'verify',
        '--staking-dir',
        dir,
        '--expected-node-id',
        id.nodeId,
        ...cliHostFlags(host, dir, 'rsa')
      ]
      const r = spawnSync(NODE24, [join(ROOT, 'dist/cli.js'), ...args], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      expect(r.stdout).toContain("ok    staker.key on the host is the backup's: same (ubuntu 400)")
      expect(r.stdout).toContain(`ok    The node reports the expected NodeID: ${id.nodeId}`)
      host.exec(`chmod 600 ${host.stakingDir}/staker.crt && echo >> ${host.stakingDir}/staker.crt`)
      const changed = spawnSync(NODE24, [join(ROOT, 'dist/cli.js'), ...args], { encoding: 'utf8' })
      expect(changed.status).toBe(1)
      expect(changed.stdout).toContain(
        `FAIL  staker.crt on the host is the backup's: different (ubuntu 600)`
      )
    })

    describe('probe', () => {
      it('gives the right NodeID for RSA and ECDSA nodes, several at once; unreachable, closed and non-TLS ports are per-host failures', async () => {
        const rsa = staker(1)
        const [a, b] = await Promise.all([up({ identity: rsa }), up()])
        const ecdsaId = b.nodeInfo()!.nodeID
        const run = await runAction({
          mode: 'probe',
          hosts: `${a.address}\n${b.address}:9651, ${UNREACHABLE_ADDRESS} ${a.address}:9650 ${a.address}:22`,
          'expected-node-id': [rsa.nodeId, ecdsaId, rsa.nodeId, rsa.nodeId, rsa.nodeId].join('\n'),
          'probe-timeout': '3'
        })
        expect(run.code).toBe(1)
        const nodes = (
          JSON.parse(run.outputs.result!) as {
            nodes: {
              host: string
              port: number
              nodeId?: string
              match?: boolean
              error?: string
              tlsMs?: number
            }[]
          }
        ).nodes
        expect(nodes.map(n => [n.port, n.nodeId ?? n.error, n.match])).toEqual([
          [9651, rsa.nodeId, true],
          [9651, ecdsaId, true],
          [9651, 'host unreachable', undefined],
          [9650, 'connection refused: nothing listens on port 9650', undefined],
          [22, 'port 22 does not speak TLS 1.3 (is it the staking port?)', undefined]
        ])
        expect(nodes[0]!.tlsMs).toBeGreaterThan(0)
        expect(run.summary).toContain('2 of 5 nodes proved the expected NodeID.')
        expect(run.stdout).toMatch(/::error::3 of 5 nodes did not prove the expected NodeID/)
      })

      it('the CLI prints one NodeID per host; a mapping of expected NodeIDs catches a swap', async () => {
        const [a, b] = await Promise.all([up({ identity: staker(2) }), up({ identity: staker(3) })])
        const cli = spawnSync(
          NODE24,
          [join(ROOT, 'dist/cli.js'), 'probe', a.address, `${b.address}:9651`],
          { encoding: 'utf8' }
        )
        expect(cli.stdout).toBe(`${vectors.stakers[2]!.nodeID}\n${vectors.stakers[3]!.nodeID}\n`)
        expect(cli.status).toBe(0)
        const run = await runAction({
          mode: 'probe',
          hosts: `${a.address} ${b.address}`,
          'expected-node-id': `${a.address}: ${vectors.stakers[3]!.nodeID}\n${b.address}:9651 ${vectors.stakers[3]!.nodeID}`
        })
        expect(run.code).toBe(1)
        expect(run.stdout).toContain(
          `- ${a.address}:9651: reports ${vectors.stakers[2]!.nodeID}, expected ${vectors.stakers[3]!.nodeID}`
        )
      })
    })

    describe('backup', () => {
      it('takes the files off a host into an age archive, which restores onto another host with the same identity', async () => {
        const id = staker(4)
        const [from, to] = await Promise.all([up({ identity: id }), up()])
        const key = ageKey()
        const runnerTemp = tempDir('runner-temp')
        const run = await runAction(
          { mode: 'backup', ...ssh(from), 'age-recipients': key.recipient },
          { RUNNER_TEMP: runnerTemp, RUNNER_DEBUG: '1' }
        )
        expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
        expect(run.code).toBe(0)
        const archive = run.outputs.archive!
        expect(archive.startsWith(runnerTemp)).toBe(true)
        expect(statSync(archive).mode & 0o777).toBe(0o600)
        expect(run.outputs['node-id']).toBe(id.nodeId)
        // The runner's disk holds the archive and nothing else of the node's.
        expect(readdirSync(runnerTemp).filter(f => !['output', 'summary'].includes(f))).toEqual([
          archive.split('/').pop()
        ])
        const everything = readdirSync(runnerTemp)
          .map(f => readFileSync(join(runnerTemp, f)).toString('latin1'))
          .join('')
        expect(leaks(everything + run.visibleLog, secretForms(id.key, id.signer))).toEqual([])

        // The standard age and tar tools open it.
        const out = tempDir('opened')
        execFileSync('sh', ['-c', `age -d -i ${key.file} ${archive} | tar -x -C ${out}`])
        expect(readFileSync(join(out, 'staking', 'staker.key')).equals(id.key)).toBe(true)
        expect(readFileSync(join(out, 'staking', 'signer.key')).equals(id.signer)).toBe(true)
        const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
          nodeId: string
          blsPublicKey: string
          host: string
          sha256: Record<string, string>
        }
        expect(manifest).toMatchObject({
          nodeId: id.nodeId,
          blsPublicKey: id.bls,
          host: `ubuntu@${from.address}:22`
        })

        const restored = await runAction({
          mode: 'restore',
          archive,
          'age-identity': key.identity,
          'expected-node-id': id.nodeId,
          ...ssh(to)
        })
        expect(restored.code).toBe(0)
        expect(to.nodeInfo()).toMatchObject({ nodeID: id.nodeId, nodePOP: { publicKey: id.bls } })
        const verified = await runAction({
          mode: 'verify',
          archive,
          'age-identity': key.identity,
          'expected-node-id': id.nodeId,
          ...ssh(to)
        })
        expect(verified.code).toBe(0)
      })

      it('a wrong age identity fails clearly and touches nothing', async () => {
        const id = staker(0)
        const from = await up({ identity: id })
        const [right, wrong] = [ageKey(), ageKey()]
        const dir = tempDir('archives')
        const path = join(dir, 'node.tar.age')
        expect(
          (
            await runAction({
              mode: 'backup',
              ...ssh(from),
              'age-recipients': right.recipient,
              'archive-path': path
            })
          ).code
        ).toBe(0)
        const run = await runAction({
          mode: 'restore',
          archive: path,
          'age-identity': wrong.identity,
          'expected-node-id': id.nodeId,
          ...ssh(from)
        })
        expect(run.code).toBe(1)
        expect(run.stdout).toContain(
          '::error::archive: age-identity does not open the archive: it was encrypted to other recipients.'
        )
        const again = await runAction({
          mode: 'backup',
          ...ssh(from),
          'age-recipients': right.recipient,
          'archive-path': path
        })
        expect(again.code).toBe(1)
        // never written over, and refused before anything connects
        expect(again.stdout).toContain(
          '::error::archive-path: a file exists there: give a new file'
        )
        expect(again.stdout).not.toContain('connected to')
      })

      it('refuses a backup from a node whose live identity disagrees with its files', async () => {
        const id = staker(1)
        const from = await up({
          identity: id,
          simulation: { reportNodeId: vectors.stakers[2]!.nodeID }
        })
        const key = ageKey()
        const runnerTemp = tempDir('runner-temp')
        const run = await runAction(
          { mode: 'backup', ...ssh(from), 'age-recipients': key.recipient },
          { RUNNER_TEMP: runnerTemp }
        )
        expect(run.code).toBe(1)
        expect(run.stdout).toContain(
          `not a good backup: the node reports NodeID ${vectors.stakers[2]!.nodeID}, the files give ${id.nodeId}`
        )
        expect(run.outputs.archive).toBe('')
        expect(readdirSync(runnerTemp).filter(f => f.endsWith('.age'))).toEqual([])
      })

      it('without age-recipients the action refuses: it never writes plain keys', async () => {
        const run = await runAction({
          mode: 'backup',
          host: '169.254.127.2',
          username: 'ubuntu',
          'ssh-key': 'x'
        })
        expect(run.code).toBe(1)
        expect(run.stdout).toContain('age-recipients is required for backup')
      })

      it('carries keystore users from an old node to another, and says there is nothing to carry on a new one', async () => {
        const id = staker(2)
        const legacy = { keystore: true, version: 'avalanchego/1.11.13' }
        const [from, to, current] = await Promise.all([
          up({ identity: id, simulation: legacy }),
          up({ simulation: legacy }),
          up()
        ])
        const rpc = (h: NodeHost, method: string, params: object) =>
          JSON.parse(
            h.exec(
              `curl -s -X POST -H 'content-type: application/json' --data-binary @- http://127.0.0.1:9650/ext/keystore`,
              'root',
              JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
            ).stdout
          ) as { result?: { users?: string[] }; error?: unknown }
        expect(
          rpc(from, 'keystore.createUser', {
            username: 'alice',
            password: 'Correct-Horse-9',
            data: 'alice wallet'
          }).error
        ).toBeUndefined()
        const users = JSON.stringify([{ username: 'alice', password: 'Correct-Horse-9' }])
        const key = ageKey()
        const dir = tempDir('keystore')
        const path = join(dir, 'legacy.tar.age')
        const b = await runAction({
          mode: 'backup',
          ...ssh(from),
          'age-recipients': key.recipient,
          'archive-path': path,
          'keystore-users': users
        })
        expect(b.code).toBe(0)
        expect(b.stdout).toContain('exported alice')
        expect(b.visibleLog).not.toContain('Correct-Horse-9')
        const listing = execFileSync('sh', ['-c', `age -d -i ${key.file} ${path} | tar -t`], {
          encoding: 'utf8'
        })
        expect(listing.split('\n')).toContain('keystore/1-alice.json')

        const r = await runAction({
          mode: 'restore',
          archive: path,
          'age-identity': key.identity,
          'expected-node-id': id.nodeId,
          ...ssh(to),
          'keystore-users': users
        })
        expect(r.code).toBe(0)
        expect(r.stdout).toContain('imported alice')
        expect(rpc(to, 'keystore.listUsers', {}).result?.users).toEqual(['alice'])
        expect(to.nodeInfo()?.nodeID).toBe(id.nodeId)

        const c = await runAction({
          mode: 'backup',
          ...ssh(current),
          'age-recipients': key.recipient,
          'archive-path': join(dir, 'current.tar.age'),
          'keystore-users': users
        })
        expect(c.code).toBe(0)
        expect(c.stdout).toContain(
          'avalanchego/1.14.0 has no Keystore API (removed in v1.12.2): there are no keystore users to carry'
        )
      })

      it("the CLI writes the guide's backup directory (0700, files 0600) and prints the gh secret commands", async () => {
        const id = staker(3)
        const from = await up({ identity: id })
        const work = tempDir('cli-backup')
        const out = join(work, 'avalanche_backup')
        const r = spawnSync(
          NODE24,
          [join(ROOT, 'dist/cli.js'), 'backup', ...cliHostFlags(from, work), '--out', out],
          { encoding: 'utf8' }
        )
        expect(r.stderr).toBe('')
        expect(r.status).toBe(0)
        expect(statSync(out).mode & 0o777).toBe(0o700)
        for (const f of ['staker.crt', 'staker.key', 'signer.key'])
          expect(statSync(join(out, f)).mode & 0o777).toBe(0o600)
        expect(readFileSync(join(out, 'signer.key')).equals(id.signer)).toBe(true)
        expect(r.stdout).toContain(`gh secret set STAKER_CRT < ${out}/staker.crt`)
        expect(r.stdout).toContain(`base64 -w0 ${out}/signer.key | gh secret set SIGNER_KEY`)
        expect(existsSync(join(out, '..', 'avalanche_backup'))).toBe(true)
      })
    })
  }
)
