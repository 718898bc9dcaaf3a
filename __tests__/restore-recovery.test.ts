// Crash-safe restore: what the host finishes alone, what a later run finds, the node's user and
// a staking directory that is not there yet.
import { hostPrerequisites } from '../test-hosts/host.js'
import {
  armPause,
  hostFinished,
  journalOf,
  measure,
  previousDirs,
  reached,
  resume,
  sha256,
  until
} from './support/faults.js'
import { hostInputs as inputs, up } from './support/hosts.js'
import { describeWith, HAVE_VECTORS } from './support/prerequisites.js'
import { runAction, startAction } from './support/runner.js'
import { staker } from './support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

type Id = ReturnType<typeof staker>

const newFiles = (id: Id) => ({
  'staker.crt': sha256(id.crt),
  'staker.key': sha256(id.key),
  'signer.key': sha256(id.signer)
})

describeWith(missing ?? 'root, sshd', !missing, 'a restore the host could not finish', () => {
  it('power lost mid-swap: verify and backup say so first; the next restore puts the previous files back, then restores', async () => {
    const id = staker(2)
    const host = await up()
    const before = measure(host)
    armPause(host, 'between-renames')
    const first = startAction(inputs(host, id))
    await reached(host, 'between-renames')
    // The runner is cancelled, then the host "loses power": its restore program dies where it
    // stands. (The other way round, the runner could see the program gone and finish the restore.)
    first.child.kill('SIGINT')
    expect((await first.done).outputs['host-state']).toBe('unknown')
    host.exec(`pkill -KILL -f '[r]estore.sh run'`)
    resume(host, 'between-renames')
    expect(measure(host).files['staker.key']).toBe(newFiles(id)['staker.key'])
    expect(journalOf(host)).not.toMatch(/^\d+ end /m)

    const verify = await runAction(inputs(host, id, { mode: 'verify' }))
    expect(verify.code).toBe(1)
    expect(verify.stdout).toMatch(/No restore left open on the host.*did not finish/)
    const backup = await runAction({
      ...inputs(host, id),
      mode: 'backup',
      'age-recipients': 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
    })
    expect(backup.code).toBe(1)
    expect(backup.stdout).toContain('not taken: a restore on this host did not finish')

    const again = await runAction(inputs(host, id))
    expect(again.stdout).toMatch(/::warning::.*has a restore that did not finish/)
    expect(again.stdout).toContain('recovered')
    expect({ code: again.code, state: again.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    // The cut-short journal was closed by the rollback, with the previous files back at the time.
    const journals = host.exec(
      `cat $(ls -d ${previousDirs(host)} 2>/dev/null | sed 's|$|/restore.journal|')`
    ).stdout
    expect(journals).toMatch(/^\d+ end recovered /m)
    const after = measure(host)
    expect({ files: after.files, nodeId: after.nodeId, leftovers: after.leftovers }).toEqual({
      files: newFiles(id),
      nodeId: id.nodeId,
      leftovers: []
    })
    // The first run's copy of the previous files is still there.
    const kept = host.exec(
      `sha256sum $(ls -d ${previousDirs(host)} 2>/dev/null | sed 's|$|/staker.key|') | cut -d' ' -f1`
    )
    expect(kept.stdout).toContain(before.files['staker.key'])
  }, 120_000)

  it('the link stays down longer than the runner waits: host-state unknown with the commands to check; the host finishes alone', async () => {
    const id = staker(3)
    const host = await up()
    const link = host.exec(`ip -o link show | grep -o 'anbh[0-9]*b' | head -n1`).stdout.trim()
    armPause(host, 'before-start')
    // The runner waits twice wait-timeout and a minute for the host: 8 s leaves the node (which
    // starts in well under a second) room on a loaded machine, and keeps the test near 80 s.
    const run = startAction(inputs(host, id, { 'wait-timeout': '8' }))
    let result
    try {
      await reached(host, 'before-start')
      host.exec(`ip link set ${link} down`)
      resume(host, 'before-start')
      expect(await hostFinished(host)).toBe('restored')
      result = await run.done
    } finally {
      host.exec(`ip link set ${link} up`)
      run.child.kill('SIGKILL')
    }
    expect({ code: result.code, state: result.outputs['host-state'] }).toEqual({
      code: 1,
      state: 'unknown'
    })
    expect(result.stdout).toContain('Lost sight of the restore running on the host')
    expect(result.stdout).toMatch(
      /sudo tail -n 3 \/var\/lib\/avalanche-node-backup\/[0-9a-f]{12}\/previous-\S+\/restore\.journal/
    )
    expect(measure(host).nodeId).toBe(id.nodeId)
  }, 180_000)

  it('a fresh host without ~/.avalanchego: the directories are made as the node user, 0750', async () => {
    const id = staker(4)
    const host = await up({ startNode: false })
    host.exec(
      `rm -rf /home/ubuntu/.avalanchego && sed -i 's| --config-file=.*||' /etc/systemd/system/avalanchego.service`
    )
    const run = await runAction(inputs(host, id))
    expect({ code: run.code, state: run.outputs['host-state'] }).toEqual({
      code: 0,
      state: 'restored'
    })
    expect(
      host.exec(`stat -c '%a %U' /home/ubuntu/.avalanchego ${host.stakingDir}`).stdout.trim()
    ).toBe('750 ubuntu\n750 ubuntu')
    await until(
      () => host.nodeInfo()?.nodeID === id.nodeId,
      15_000,
      'the node to report the backup'
    )
  }, 60_000)

  it("the node's user is the unit's User=, not the directory's owner: a root-owned staking directory is refused, untouched", async () => {
    const id = staker(0)
    const host = await up()
    host.exec(`chown root:root ${host.stakingDir} && chmod 755 ${host.stakingDir}`)
    const before = measure(host)
    const run = await runAction(inputs(host, id))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`ubuntu (the node's user) cannot write ${host.stakingDir}`)
    expect(run.outputs['host-state']).toBe('unchanged')
    expect(measure(host)).toEqual(before)
  }, 60_000)
})
