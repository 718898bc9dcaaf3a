// From the hostile review of the crash-safe restore (each test was a finding, now fixed): the host around the restore: its lock file, a node that does not start on
// its own files, a unit with Environment=, SIGTERM.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostPrerequisites, type NodeHost } from '../../test-hosts/host.js'
import {
  armPause,
  hostFinished,
  measure,
  reached,
  resume,
  until,
  previousDirs
} from '../support/faults.js'
import { cliHostFlags, hostInputs as inputs, up } from '../support/hosts.js'
import { describeWith, HAVE_VECTORS, NODE24, ROOT } from '../support/prerequisites.js'
import { runAction, startAction } from '../support/runner.js'
import { tempDir } from '../support/tmp.js'
import { staker } from '../support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

const lockPath = (host: NodeHost) =>
  `/run/lock/avalanche-node-backup-${createHash('sha256').update(host.stakingDir).digest('hex').slice(0, 12)}.lock`

describeWith(missing ?? 'root, sshd', !missing, 'review: the host lock', () => {
  it('another local user (nobody) cannot block every restore by holding the lock file first', async () => {
    const b = staker(2)
    const host = await up()
    host.exec(
      `runuser -u nobody -- setsid flock ${lockPath(host)} sh -c 'while [ ! -e /run/anb-release ]; do sleep 0.05; done' </dev/null >/dev/null 2>&1 &`
    )
    try {
      await until(() => host.exec(`test -e ${lockPath(host)}`).code === 0, 10_000, 'the lock file')
      const run = await runAction(inputs(host, b))
      expect({ state: run.outputs['host-state'], nodeId: measure(host).nodeId }).toEqual({
        state: 'restored',
        nodeId: b.nodeId
      })
    } finally {
      host.exec('touch /run/anb-release')
    }
  }, 120_000)

  it('a symlink planted at the lock path by another user does not make root create a file elsewhere', async () => {
    const b = staker(2)
    const host = await up()
    host.exec('mkdir -m 755 /run/anb-root-only')
    host.exec(`runuser -u nobody -- ln -s /run/anb-root-only/created ${lockPath(host)}`)
    await runAction(inputs(host, b))
    expect(host.exec('ls -A /run/anb-root-only').stdout).toBe('')
  }, 90_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'review: odd starting points', () => {
  it('staker.key present, staker.crt missing (the node cannot start) and the backup fails: the message does not claim the previous identity answers', async () => {
    const b = staker(2)
    const host = await up({ simulation: { faultsFor: {} } })
    host.service('stop')
    host.exec(`rm ${host.stakingDir}/staker.crt`)
    host.simulate({ faultsFor: { [b.nodeId]: { startDelayMs: 3_600_000 } } })
    host.service('start')
    const before = measure(host)
    expect(before.nodeId).toBeUndefined()
    const run = await runAction(inputs(host, b, { 'wait-timeout': '2' }))
    expect(measure(host).files).toEqual(before.files)
    expect(run.outputs['host-state']).toBe('unchanged')
    expect(run.stdout).not.toMatch(/does not answer \(the previous identity\)/)
  }, 90_000)

  it('node stopped, AVAGO_DATA_DIR in the unit (Environment=): unit-only discovery finds the data dir', async () => {
    const b = staker(2)
    const host = await up()
    const r = host.exec(
      [
        'set -e',
        'systemctl stop avalanchego',
        'mkdir -m 750 /home/ubuntu/data && cp -a /home/ubuntu/.avalanchego/staking /home/ubuntu/data/ && chown -R ubuntu: /home/ubuntu/data',
        `sed -i 's|^\\[Service\\]$|[Service]\\nEnvironment=AVAGO_DATA_DIR=/home/ubuntu/data|' /etc/systemd/system/avalanchego.service`
      ].join('\n')
    )
    expect(r.stderr).toBe('')
    const run = await runAction(inputs(host, b))
    expect(run.outputs['identity-location']).toContain('/home/ubuntu/data/staking/staker.crt')
    expect(run.outputs['host-state']).toBe('restored')
  }, 90_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'review: SIGTERM', () => {
  it('SIGTERM (not SIGINT) while the host waits for the node: unknown at once, the host finishes alone', async () => {
    const b = staker(2)
    const host = await up()
    armPause(host, 'during-wait')
    const run = startAction(inputs(host, b))
    await reached(host, 'during-wait')
    run.child.kill('SIGTERM')
    const result = await run.done
    resume(host, 'during-wait')
    expect({ code: result.code, state: result.outputs['host-state'] }).toEqual({
      code: 1,
      state: 'unknown'
    })
    expect(result.stdout).toContain('The job was cancelled while the restore ran on the host')
    expect(await hostFinished(host)).toBe('restored')
    expect(measure(host).nodeId).toBe(b.nodeId)
  }, 90_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'review: the CLI cancelled', () => {
  it('Ctrl-C (SIGINT) to the CLI while it looks at the host: nothing is started on the host afterwards', async () => {
    const b = staker(2)
    const host = await up()
    const before = measure(host)
    const dir = tempDir('review-cli')
    writeFileSync(join(dir, 'staker.crt'), b.crt)
    writeFileSync(join(dir, 'staker.key'), b.key)
    writeFileSync(join(dir, 'signer.key'), b.signer)
    const child = spawn(NODE24, [
      join(ROOT, 'dist/cli.js'),
      'restore',
      '--backup-dir',
      dir,
      '--expected-node-id',
      b.nodeId,
      ...cliHostFlags(host, dir)
    ])
    let out = ''
    child.stdout.on('data', d => (out += d))
    const code = new Promise<number | null>(r => child.on('close', r))
    await until(() => /Connect/.test(out), 30_000, 'the CLI to connect')
    child.kill('SIGINT')
    expect(await code).not.toBe(0)
    const launched = host.exec(`ls -d ${previousDirs(host)} 2>/dev/null`).stdout.trim()
    expect({ launched, files: measure(host).files }).toEqual({ launched: '', files: before.files })
  }, 90_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'review: links', () => {
  it('a staking directory that is a symlink, and a staker.key with another hard link: restored; the symlink and the other link stay', async () => {
    const b = staker(2)
    const host = await up()
    const r = host.exec(
      [
        'set -e',
        'cd /home/ubuntu/.avalanchego',
        'mv staking /home/ubuntu/real-staking',
        'ln -s /home/ubuntu/real-staking staking',
        'ln /home/ubuntu/real-staking/staker.key /home/ubuntu/keep.key',
        'chown -h ubuntu: staking /home/ubuntu/keep.key'
      ].join('\n'),
      'root'
    )
    expect(r.stderr).toBe('')
    const before = measure(host)
    const run = await runAction(inputs(host, b))
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(measure(host).nodeId).toBe(b.nodeId)
    expect(host.exec('readlink /home/ubuntu/.avalanchego/staking').stdout.trim()).toBe(
      '/home/ubuntu/real-staking'
    )
    expect(host.exec('sha256sum < /home/ubuntu/keep.key').stdout.split(' ')[0]).toBe(
      before.files['staker.key']
    )
  }, 90_000)
})

describeWith(missing ?? 'root, sshd', !missing, "review: the node's user and root's files", () => {
  it("the node's user cannot swap the previous-files directory under the running restore and make root write where it chooses", async () => {
    const b = staker(2)
    const host = await up()
    host.exec('mkdir -m 755 /run/anb-root-only')
    armPause(host, 'after-stop')
    const run = startAction(inputs(host, b))
    await reached(host, 'after-stop')
    const prev = host.exec(`ls -d ${previousDirs(host)}`).stdout.trim()
    // The directory is root's, but its parent is the node user's: a rename in the same parent
    // needs no write permission on the directory itself.
    const swap = host.exec(
      `mv ${prev} ${prev}.moved && mkdir ${prev} && ln -s /run/anb-root-only/appended ${prev}/restore.journal`,
      'ubuntu'
    )
    resume(host, 'after-stop')
    try {
      // Whatever the swap did, the host-side program ends (its journal lines go where they go).
      await until(
        () => host.exec("pgrep -f '[r]estore.sh run'").code !== 0,
        60_000,
        'the host-side program to end'
      )
    } finally {
      run.child.kill('SIGKILL')
    }
    expect({
      swapped: swap.code,
      rootOnly: host.exec('ls -A /run/anb-root-only').stdout,
      owner: host.exec('stat -c %U /run/anb-root-only/appended 2>/dev/null').stdout
    }).toEqual({ swapped: 1, rootOnly: '', owner: '' })
  }, 90_000)
})
