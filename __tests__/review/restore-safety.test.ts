// From the hostile review of the crash-safe restore (each test was a finding, now fixed): key exposure, cancellation, concurrent changes and odd paths in a restore.
//
import { createHash } from 'node:crypto'
import { hostPrerequisites, type NodeHost } from '../../test-hosts/host.js'
import { journalOf, measure, until, previousDirs } from '../support/faults.js'
import { hostInputs as inputs, up } from '../support/hosts.js'
import { describeWith, HAVE_VECTORS } from '../support/prerequisites.js'
import { runAction, startAction } from '../support/runner.js'
import { staker } from '../support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

type Id = ReturnType<typeof staker>

/** Puts an identity's files in place on the host (as another tool or run would) and restarts the node. */
async function installIdentity(host: NodeHost, id: Id): Promise<void> {
  host.service('stop')
  for (const [f, b] of [
    ['staker.crt', id.crt],
    ['staker.key', id.key],
    ['signer.key', id.signer]
  ] as const)
    host.exec(
      `cat > ${host.stakingDir}/${f}.tmp && mv ${host.stakingDir}/${f}.tmp ${host.stakingDir}/${f}`,
      'ubuntu',
      b
    )
  host.service('start')
  await until(() => host.nodeInfo()?.nodeID === id.nodeId, 30_000, `the node to run ${id.nodeId}`)
}

describeWith(missing ?? 'root, sshd', !missing, 'review: restore safety', () => {
  it('the kept previous files are no more readable than the originals were (files 0644 behind a 0750 staking directory)', async () => {
    const b = staker(2)
    const host = await up()
    // Files copied in by hand with umask 022; the 0750 directory is what keeps them private.
    host.exec(
      `chmod 644 ${host.stakingDir}/*; chmod 750 ${host.stakingDir}; chmod 755 /home/ubuntu /home/ubuntu/.avalanchego`
    )
    const readable = (path: string) =>
      host.exec(`runuser -u nobody -- cat ${path} >/dev/null 2>&1`).code === 0
    expect(readable(`${host.stakingDir}/staker.key`)).toBe(false)
    const run = await runAction(inputs(host, b))
    expect(run.outputs['host-state']).toBe('restored')
    const prev = run.outputs['previous-files']!
    expect(prev).toMatch(/\/previous-/)
    // Another local user reads the previous TLS key and BLS key.
    expect({
      key: readable(`${prev}/staker.key`),
      signer: readable(`${prev}/signer.key`)
    }).toEqual({ key: false, signer: false })
  }, 90_000)

  it('a job cancelled before the host was touched does not start the restore on the host afterwards', async () => {
    const b = staker(2)
    const host = await up()
    const before = measure(host)
    const run = startAction(inputs(host, b))
    let out = ''
    run.child.stdout!.on('data', d => (out += d))
    // Cancelled while it connects and looks at the host: nothing has been changed yet.
    await until(() => out.includes('::group::Connect'), 30_000, 'the action to connect')
    run.child.kill('SIGINT')
    const result = await run.done
    const launched = host.exec(`ls -d ${previousDirs(host)} 2>/dev/null`).stdout.trim()
    expect({ launched, files: measure(host).files }).toEqual({ launched: '', files: before.files })
    expect(result.code).toBe(1)
  }, 90_000)

  it('refused because another restore changed the files meanwhile: the message says what the host runs, not a MIX', async () => {
    const b = staker(2)
    const c = staker(3)
    const host = await up()
    // Hold the host's restore lock, as a restore that started a moment earlier would.
    const id = createHash('sha256').update(host.stakingDir).digest('hex').slice(0, 12)
    host.exec(
      `mkdir -p -m 700 /run/avalanche-node-backup && setsid flock /run/avalanche-node-backup/avalanche-node-backup-${id}.lock sh -c 'while [ ! -e /run/anb-release ]; do sleep 0.05; done' </dev/null >/dev/null 2>&1 &`
    )
    const run = startAction(inputs(host, c))
    try {
      await until(
        () => / pid \d+$/m.test(journalOf(host)),
        30_000,
        'the program to wait for the lock'
      )
      // The other restore ends: the host now runs B, whole.
      await installIdentity(host, b)
    } finally {
      host.exec('touch /run/anb-release')
    }
    const result = await run.done
    expect(journalOf(host)).toBe('') // refused before the stop: its directory was removed
    expect(measure(host).nodeId).toBe(b.nodeId)
    expect(result.stdout).toContain('host-changed')
    expect(result.stdout).not.toMatch(/MIX/)
    expect(result.outputs['host-state']).not.toBe('needs-attention')
  }, 120_000)

  it('a staking-dir with a space, quotes, $(…) and backquotes is written as given, and nothing in it runs', async () => {
    const b = staker(2)
    const host = await up()
    const dir = `/home/ubuntu/st a'k"$(touch /tmp/anb-pwn1)\`touch /tmp/anb-pwn2\``
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
    // The node reads its identity from there (explicit paths in its config file).
    const r = host.exec(
      [
        'set -e',
        `mkdir -p ${q(dir)} && chmod 750 ${q(dir)}`,
        `cp -p ${host.stakingDir}/* ${q(dir)}/`,
        `chown -R ubuntu: ${q(dir)}`,
        'cat > /home/ubuntu/.avalanchego/configs/node.json',
        'systemctl restart avalanchego'
      ].join('\n'),
      'root',
      JSON.stringify({
        'http-host': '127.0.0.1',
        'staking-tls-cert-file': `${dir}/staker.crt`,
        'staking-tls-key-file': `${dir}/staker.key`,
        'staking-signer-key-file': `${dir}/signer.key`
      })
    )
    expect(r.stderr).toBe('')
    await host.waitForNode()
    const run = await runAction(inputs(host, b, { 'staking-dir': dir }))
    expect(host.exec('ls /tmp/anb-pwn1 /tmp/anb-pwn2 2>/dev/null').stdout).toBe('')
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(host.exec(`sha256sum < ${q(dir)}/staker.key`).stdout.split(' ')[0]).toBe(
      createHash('sha256').update(b.key).digest('hex')
    )
  }, 90_000)
})
