// From the hostile review of the crash-safe restore (each test was a finding, now fixed): where the recovery of an unfinished restore (restore-transaction.sh recover)
// breaks the promise "the previous identity from the previous files, or the new one, proven".
// Each test names the promise it checks.
import { hostPrerequisites, type NodeHost } from '../../test-hosts/host.js'
import {
  armPause,
  journalOf,
  measure,
  reached,
  resume,
  until,
  previousDirs
} from '../support/faults.js'
import { hostInputs as inputs, up } from '../support/hosts.js'
import { describeWith, HAVE_VECTORS } from '../support/prerequisites.js'
import { runAction, startAction } from '../support/runner.js'
import { staker } from '../support/vectors.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')

type Id = ReturnType<typeof staker>

/** The journal file of the newest restore (path on the host). */
const journalPath = (host: NodeHost) =>
  host.exec(`ls -d ${previousDirs(host)} | tail -n1`).stdout.trim() + '/restore.journal'

/** A node that never answers with this identity (its API hangs): a restore of it rolls back. */
const neverAnswers = (id: Id) => ({
  simulation: { faultsFor: { [id.nodeId]: { startDelayMs: 3_600_000 } } }
})

describeWith(missing ?? 'root, sshd', !missing, 'review: recovering an unfinished restore', () => {
  it('power lost after the cleanup of a restore that succeeded, before its end line was on disk: the next restore keeps the identity the node runs', async () => {
    const a = staker(1)
    const b = staker(2)
    const host = await up(neverAnswers(b))
    const first = await runAction(inputs(host, a))
    expect(first.outputs['host-state']).toBe('restored')
    // The end line is the last write; a power loss before its sync leaves everything else.
    host.exec(`sed -i '$d' ${journalPath(host)}`)
    expect(journalOf(host)).toMatch(/ step check done\n$/)
    const running = measure(host)
    expect(running.nodeId).toBe(a.nodeId)

    // A later restore (of another backup, which the node refuses: it rolls back).
    const second = await runAction(inputs(host, b, { 'wait-timeout': '2' }))
    const after = measure(host)
    // Promise: after a failed restore the host runs its previous identity from its previous files.
    expect({
      files: after.files,
      nodeId: after.nodeId,
      state: second.outputs['host-state']
    }).toEqual({ files: running.files, nodeId: a.nodeId, state: 'unchanged' })
  }, 120_000)

  it('power lost right after a rollback put the last previous file back: the next restore keeps the previous identity', async () => {
    const b = staker(2)
    const host = await up(neverAnswers(b))
    const before = measure(host)
    const first = await runAction(inputs(host, b, { 'wait-timeout': '2' }))
    expect(first.outputs['host-state']).toBe('unchanged')
    // The journal as it stood on disk just after "file staker.key old" was synced.
    host.exec(`sed -i '/ file staker.key old$/q' ${journalPath(host)}`)
    expect(journalOf(host)).toMatch(/ file staker\.key old\n$/)
    expect(measure(host).nodeId).toBe(before.nodeId)

    const second = await runAction(inputs(host, b, { 'wait-timeout': '2' }))
    const after = measure(host)
    expect({
      files: after.files,
      nodeId: after.nodeId,
      state: second.outputs['host-state']
    }).toEqual({ files: before.files, nodeId: before.nodeId, state: 'unchanged' })
  }, 120_000)

  it('power lost between a rename and its journal line: the next restore puts that file back too (no mix)', async () => {
    const b = staker(2)
    const c = staker(3)
    const host = await up(neverAnswers(c))
    const before = measure(host)
    armPause(host, 'between-renames')
    const first = startAction(inputs(host, b))
    await reached(host, 'between-renames')
    // The runner first (cancelled: it stops watching at once), then the power: killed the other
    // way round, the runner could see the host program gone and finish the restore itself.
    first.child.kill('SIGINT')
    await first.done
    host.exec(`pkill -KILL -f '[r]estore.sh run'`)
    resume(host, 'between-renames')
    // staker.key was renamed; the power went before its line "file staker.key new" was synced.
    host.exec(`sed -i '/ file staker.key new$/d' ${journalPath(host)}`)
    expect(measure(host).files['staker.key']).not.toBe(before.files['staker.key'])

    const second = await runAction(inputs(host, c, { 'wait-timeout': '2' }))
    const after = measure(host)
    // The previous identity, whole, from the previous files: not A's certificate with B's key.
    const claims = /the node answers \S+ \(the previous identity\)/.test(second.stdout)
    expect({
      files: after.files,
      nodeId: after.nodeId,
      state: second.outputs['host-state'],
      claims
    }).toEqual({ files: before.files, nodeId: before.nodeId, state: 'unchanged', claims: true })
  }, 120_000)

  it('a journal whose last line was cut short by the power loss ends once recovered: verify passes afterwards', async () => {
    const b = staker(2)
    const host = await up()
    armPause(host, 'between-renames')
    const first = startAction(inputs(host, b))
    await reached(host, 'between-renames')
    // The runner first (cancelled: it stops watching at once), then the power: killed the other
    // way round, the runner could see the host program gone and finish the restore itself.
    first.child.kill('SIGINT')
    await first.done
    host.exec(`pkill -KILL -f '[r]estore.sh run'`)
    resume(host, 'between-renames')
    // The last line lost its tail (and newline) with the power: "… file staker.key n".
    host.exec(`truncate -s -3 ${journalPath(host)}`)
    expect(journalOf(host)).toMatch(/ file staker\.key n$/)

    const second = await runAction(inputs(host, b))
    expect(second.outputs['host-state']).toBe('restored')
    // The recovered journal has an end line that inspect-host.sh recognises.
    expect(
      host.exec(`cat $(ls -d ${previousDirs(host)} 2>/dev/null | sed "s,$,/restore.journal,")`)
        .stdout
    ).toMatch(/^\d+ end recovered /m)
    const verify = await runAction({ ...inputs(host, b), mode: 'verify' })
    expect(verify.stdout).not.toMatch(/did not finish/)
    expect(verify.code).toBe(0)
  }, 120_000)

  it("a journal planted by the node's user (who owns the staking directory's parent) makes root delete nothing outside the staking directory", async () => {
    const a = staker(1)
    const host = await up()
    // A root-owned file the node's user cannot delete.
    host.exec(
      'mkdir -m 755 /run/anb-victim && echo keep > /run/anb-victim/file && chmod 644 /run/anb-victim/file'
    )
    const asNodeUser = host.exec(
      `runuser -u ubuntu -- sh -c 'set -e; d=${host.stakingDir}; rm -f /run/anb-victim/file 2>/dev/null && exit 9; ` +
        `mkdir "$d/.staker.key.new-x" "$d.previous-x"; ` +
        `printf "1 journal 1\\n1 run x/../../../../../run/anb-victim/file\\n" > "$d.previous-x/restore.journal"'`
    )
    expect(asNodeUser.code).toBe(0)
    const run = await runAction(inputs(host, a))
    expect(run.code).not.toBeNull()
    // Root (the recovery) deleted a file the node's user could not.
    expect(host.exec('cat /run/anb-victim/file').stdout).toBe('keep\n')
  }, 120_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'review: the host-side program dies', () => {
  it('kill -9 of restore.sh after it stopped the node: the node runs again and the action does not claim the host finishes alone', async () => {
    const b = staker(2)
    const host = await up()
    const before = measure(host)
    armPause(host, 'after-stop')
    const run = startAction(inputs(host, b, { 'wait-timeout': '2' }))
    await reached(host, 'after-stop')
    // The OOM killer (or an operator) kills the host-side program: nothing else is broken.
    host.exec(`pkill -KILL -f '[r]estore.sh run'`)
    resume(host, 'after-stop')
    const result = await run.done
    // The node was started again: it answers once its start-up is over (waited for, not assumed).
    await until(
      () => host.nodeInfo()?.nodeID === before.nodeId,
      30_000,
      'the previous identity to answer'
    )
    const after = measure(host)
    const claim = /The host finishes it on its own/.test(result.stdout)
    // Promise: never a stopped node; and the message matches the host.
    expect({ unit: after.unit, nodeId: after.nodeId, claim }).toEqual({
      unit: 'active',
      nodeId: before.nodeId,
      claim: false
    })
  }, 150_000)
})

describeWith(missing ?? 'root, sshd', !missing, 'review: a node that was stopped before', () => {
  it('active-before no and the new identity fails: the message does not say the node was started again', async () => {
    const b = staker(2)
    const host = await up(neverAnswers(b))
    host.service('stop')
    await until(() => host.service('is-active').stdout.trim() !== 'active', 30_000, 'the stop')
    const before = measure(host)
    const run = await runAction(inputs(host, b, { 'wait-timeout': '2' }))
    const after = measure(host)
    expect(after.files).toEqual(before.files)
    expect(journalOf(host)).toMatch(/ active-before no$/m)
    expect(run.outputs['host-state']).toBe('unchanged')
    // The host left the node stopped (as before): the error must not say it was started again.
    expect(run.stdout).not.toMatch(/the node started again/)
  }, 90_000)
})
