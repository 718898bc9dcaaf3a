// The crash-safety matrix: a restore paused on the host at a named point, a real fault injected
// there, then the host left to finish. Whatever happened, the host must end in one of two states,
// measured from inside the host, not through the action: the previous identity running from the
// previous files, or the new identity proven; the action's message and host-state must agree.

import { hostPrerequisites, type NodeHost } from '../../test-hosts/host.js'
import {
  armPause,
  POINTS,
  dropConnections,
  FILES,
  fillDisk,
  hostFinished,
  measure,
  reached,
  refuseRenames,
  resume,
  sha256,
  smallDisk,
  type Measured,
  type Point
} from './faults.js'
import { hostInputs, up } from './hosts.js'
import { leaks, secretForms, startAction, type ActionRun } from './runner.js'
import { staker } from './vectors.js'
import { describeWith, HAVE_VECTORS } from './prerequisites.js'

export type Fault = 'connection lost' | 'runner cancelled' | 'disk full' | 'rename refused'

type Ending = 'restored' | 'unchanged' | 'stuck'

/** What must come of a fault at a point (the physics of the host, not what the code happens to do). */
export function expectedEnding(fault: Fault, point: Point): Ending {
  if (point === 'during-rollback') return fault === 'rename refused' ? 'stuck' : 'unchanged'
  // signer.key refusing renames before it was replaced: the swap cannot finish, so it is undone.
  if (fault === 'rename refused' && (point === 'after-stop' || point === 'between-renames'))
    return 'unchanged'
  return 'restored'
}

export interface Case {
  host: NodeHost
  run: ActionRun
  before: Measured
  after: Measured
  ending: string
  id: ReturnType<typeof staker>
}

/**
 * Runs one case. For the rollback point the new identity never answers (its API hangs), so that a
 * rollback happens; the wait-timeout is short there.
 */
export async function runCase(fault: Fault, point: Point, which: number): Promise<Case> {
  const id = staker(which)
  const rollback = point === 'during-rollback'
  const host = await up(
    rollback ? { simulation: { faultsFor: { [id.nodeId]: { startDelayMs: 3_600_000 } } } } : {}
  )
  if (fault === 'disk full') smallDisk(host)
  const before = measure(host)
  armPause(host, point)
  const action = startAction(hostInputs(host, id, { 'wait-timeout': rollback ? '2' : '30' }))
  try {
    await reached(host, point)
    if (fault === 'connection lost') dropConnections(host)
    if (fault === 'disk full') fillDisk(host)
    if (fault === 'rename refused') refuseRenames(host, 'signer.key')
    if (fault === 'runner cancelled') {
      action.child.kill('SIGINT')
      // The runner is gone before the host goes on: the host must finish on its own.
      await action.done
    }
    resume(host, point)
    const run = await action.done
    const ending = await hostFinished(host)
    return { host, run, before, after: measure(host), ending, id }
  } finally {
    action.child.kill('SIGKILL') // a no-op after its end; no run outlives a failed case
  }
}

/** The assertions every case makes. */
export function checkCase(c: Case, fault: Fault, point: Point): void {
  const want = expectedEnding(fault, point)
  const newFiles = Object.fromEntries(
    FILES.map(f => [
      f,
      sha256(f === 'staker.crt' ? c.id.crt : f === 'staker.key' ? c.id.key : c.id.signer)
    ])
  )
  const state = {
    files: c.after.files,
    nodeId: c.after.nodeId,
    leftovers: c.after.leftovers,
    open: c.after.journalOpen
  }
  if (want === 'restored') {
    expect(state).toEqual({ files: newFiles, nodeId: c.id.nodeId, leftovers: [], open: '' })
    expect(c.after.bls).toBe(c.id.bls)
  } else if (want === 'unchanged') {
    expect(state).toEqual({
      files: c.before.files,
      nodeId: c.before.nodeId,
      leftovers: [],
      open: ''
    })
  } else {
    // A previous file that cannot be put back: the node is left stopped on files it refuses to
    // start on (the previous certificate, the new key), never on a mix it could run.
    expect(c.after.files['staker.crt']).toBe(c.before.files['staker.crt'])
    expect(c.after.files['staker.key']).toBe(newFiles['staker.key'])
    expect(c.after.nodeId).toBeUndefined()
    expect(c.after.unit).toBe('inactive')
  }
  expect(c.ending).toBe({ restored: 'restored', unchanged: 'rolled-back', stuck: 'stuck' }[want])
  // What the action said agrees with what was measured.
  const hostState = c.run.outputs['host-state']
  if (fault === 'runner cancelled') {
    expect(hostState).toBe('unknown')
    expect(c.run.code).toBe(1)
    expect(c.run.stdout).toContain('The job was cancelled while the restore ran on the host')
    expect(c.run.stdout).toContain('restore.journal')
  } else if (want === 'restored') {
    expect({ code: c.run.code, hostState }).toEqual({ code: 0, hostState: 'restored' })
  } else if (want === 'unchanged') {
    expect({ code: c.run.code, hostState }).toEqual({ code: 1, hostState: 'unchanged' })
    expect(c.run.stdout).toContain('The previous files were put back and the node started again')
  } else {
    expect({ code: c.run.code, hostState }).toEqual({ code: 1, hostState: 'needs-attention' })
    expect(c.run.stdout).toContain('cannot put the previous signer.key back')
  }
  if (fault === 'connection lost') expect(c.run.stdout).toMatch(/was lost.*reconnected/)
  const forms = secretForms(c.id.key, c.id.signer)
  expect(leaks(c.run.visibleLog, forms)).toEqual([])
}

/** The matrix for some faults at every point: one test file each, so that Jest runs them in parallel. */
export function describeFaultMatrix(faults: Fault[]): void {
  const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')
  describeWith(missing ?? 'root, sshd', !missing, 'a restore interrupted on the host', () => {
    describe.each(faults)('%s', fault => {
      it.each(POINTS.map((p, i) => [p, i] as const))(
        'at %s: the host ends with one whole identity, and the action says which',
        async (point, i) => checkCase(await runCase(fault, point, i), fault, point),
        120_000
      )
    })
  })
}
