// The step outputs and the result object of each mode (src/render/outputs.ts, result.ts).
import type { BackupOutcome } from '../../src/operations/backup.js'
import { outputsOf } from '../../src/render/outputs.js'
import { resultObject } from '../../src/render/result.js'
import { A, BLS, probe, report, restore, verify } from '../support/outcomes.js'

describe('outputs', () => {
  it('restore: every output set, a NodeID that is not shaped like one left out', () => {
    const o = outputsOf(restore({ previousNodeId: 'NodeID-x\n::error::owned', nodeId: A }))
    expect(o).toMatchObject({
      'node-id': A,
      'previous-node-id': '',
      'host-state': 'restored',
      'downtime-ms': '1234',
      validator: ''
    })
    expect(Object.keys(o).sort()).toEqual(
      [
        'bls-public-key',
        'downtime-ms',
        'host-state',
        'identity-location',
        'key-type',
        'node-id',
        'previous-files',
        'previous-node-id',
        'proof-of-possession',
        'result',
        'validator'
      ].sort()
    )
    expect(JSON.parse(o.result!)).toMatchObject({
      mode: 'restore',
      previousNodeId: 'NodeID-x\n::error::owned'
    })
  })
  it('backup: a failed one sets no identity; a stored one names its archive', () => {
    const base = {
      mode: 'backup' as const,
      steps: [],
      expected: {},
      registration: { state: 'not-asked' as const }
    }
    const failed: BackupOutcome = { ...base, ok: false, cause: 'refused' }
    expect(outputsOf(failed)).toMatchObject({ 'node-id': '', archive: '' })
    const stored: BackupOutcome = {
      ...base,
      ok: true,
      report: report(),
      identity: { nodeId: A, blsPublicKey: BLS, keyType: 'RSA-4096' },
      stored: { kind: 'archive', path: '/tmp/b.tar.age', recipients: ['age1x'] },
      keystoreUsers: []
    }
    expect(outputsOf(stored)).toMatchObject({ 'node-id': A, archive: '/tmp/b.tar.age' })
    expect(JSON.parse(outputsOf(stored).result!)).toMatchObject({
      mode: 'backup',
      archive: '/tmp/b.tar.age',
      nodeId: A
    })
  })
  it('probe: node-id only for a single node', () => {
    expect(outputsOf(probe)['node-id']).toBe('')
    expect(outputsOf({ ...probe, nodes: probe.nodes.slice(0, 1) })['node-id']).toBe(A)
  })
  it('restore: a failure in the result as cause, recovery and the whole text (error)', () => {
    const failed = restore({
      ok: false,
      nodeId: undefined,
      cause: 'the node did not answer',
      recovery: 'sudo tail -n 3 /x'
    })
    expect(JSON.parse(outputsOf(failed).result!)).toMatchObject({
      ok: false,
      cause: 'the node did not answer',
      recovery: 'sudo tail -n 3 /x',
      error: 'Restore failed: the node did not answer\nsudo tail -n 3 /x'
    })
    expect(JSON.parse(outputsOf(restore()).result!)).not.toHaveProperty('error')
  })

  it('verify: the result object is the report with its mode', () =>
    expect(resultObject(verify())).toEqual({ mode: 'verify', ...report() }))
})
