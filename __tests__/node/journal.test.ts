// The host-side restore's journal, as the runner reads it (format in restore-transaction.sh).
import { parseJournal } from '../../src/node/journal.js'
import { compareFiles } from '../../src/node/transaction.js'
import type { HostFacts } from '../../src/node/node-host.js'

const lines = (...l: string[]) => l.map((x, i) => `${1000 + i * 10} ${x}`).join('\n') + '\n'

describe('parseJournal', () => {
  it('a restore that ended well: steps timed by the host, files new, the answer', () => {
    const j = parseJournal(
      lines(
        'journal 1',
        'run R1',
        'pid 42',
        'lock held',
        'old staker.crt aa',
        'old signer.key -',
        'new staker.crt bb',
        'active-before yes',
        'step stop begin',
        'step stop done',
        'step swap begin',
        'file staker.key new',
        'step swap done',
        'step check begin',
        'answer NodeID-X 0xabc',
        'step check done',
        'end restored'
      )
    )
    expect(j).toMatchObject({
      run: 'R1',
      pid: 42,
      lockHeld: true,
      activeBefore: true,
      old: { 'staker.crt': 'aa', 'signer.key': null },
      new: { 'staker.crt': 'bb' },
      files: { 'staker.key': 'new' },
      answers: [{ nodeId: 'NodeID-X', bls: '0xabc', step: 'check' }],
      end: { result: 'restored', detail: '', at: 1160 }
    })
    expect(j.steps.map(s => [s.name, s.status, s.endedAt! - s.beganAt])).toEqual([
      ['stop', 'done', 10],
      ['swap', 'done', 20],
      ['check', 'done', 20]
    ])
  })

  it('cut short by a power loss: a partial last line is not read, no end', () => {
    const j = parseJournal(
      lines('run R2', 'step swap begin', 'file staker.key new') + '1100 file signer.k'
    )
    expect(j.end).toBeUndefined()
    expect(j.files).toEqual({ 'staker.key': 'new' })
    expect(j.steps).toEqual([{ name: 'swap', status: 'running', beganAt: 1010 }])
  })

  it('damaged and unknown lines are skipped; failures kept in order; a pre-v1.8.6 answer has no BLS', () => {
    const j = parseJournal(
      lines(
        'garbage',
        'fail first',
        'file nothing.key new',
        'answer NodeID-Y -',
        'fail second',
        'end rolled-back previous files back'
      )
    )
    expect(j.failures).toEqual(['first', 'second'])
    expect(j.files).toEqual({})
    expect(j.answers).toEqual([{ nodeId: 'NodeID-Y' }])
    expect(j.end).toMatchObject({ result: 'rolled-back', detail: 'previous files back' })
  })

  it('an unknown end result is not an end', () => {
    expect(parseJournal(lines('end exploded')).end).toBeUndefined()
  })
})

describe('compareFiles', () => {
  const facts = (crt: string | null, key: string | null, signer: string | null) =>
    ({
      files: {
        'staker.crt': crt ? { exists: true, sha256: crt } : { exists: false },
        'staker.key': key ? { exists: true, sha256: key } : { exists: false },
        'signer.key': signer ? { exists: true, sha256: signer } : { exists: false }
      }
    }) as unknown as HostFacts
  const old = { 'staker.crt': 'c0', 'staker.key': 'k0', 'signer.key': null }
  const fresh = { 'staker.crt': 'c1', 'staker.key': 'k1', 'signer.key': 's1' }
  it.each([
    [facts('c1', 'k1', 's1'), 'new', 'staker.crt new, staker.key new, signer.key new'],
    [
      facts('c0', 'k0', null),
      'old',
      'staker.crt previous, staker.key previous, signer.key previous'
    ],
    [facts('c0', 'k1', 's1'), 'mixed', 'staker.crt previous, staker.key new, signer.key new'],
    [facts('zz', 'k1', null), 'mixed', 'staker.crt neither, staker.key new, signer.key previous']
  ])('%#: the files are %s', (f, set, detail) => {
    expect(compareFiles(f, old, fresh)).toEqual({ set, detail })
  })
})
