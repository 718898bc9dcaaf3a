// What the CLI prints for a person (src/render/text.ts).
import { textOf } from '../../src/render/text.js'
import { A, B, probe, restore, verify } from '../support/outcomes.js'

describe('CLI text', () => {
  it.each([
    ['verify', verify()],
    ['restore', restore({ host: 'x\ny' })],
    ['probe', probe]
  ] as const)('%s: no line holds a line break of its own', (_n, outcome) => {
    for (const line of textOf(outcome)) expect(line).not.toMatch(/[\r\n]/)
  })
  it('restore: before, after, expected, the host state', () => {
    expect(textOf(restore())).toEqual(
      expect.arrayContaining([
        `NodeID before        ${B}`,
        `NodeID after         ${A}`,
        `NodeID expected      ${A}`,
        'Host state           restored'
      ])
    )
  })
  it('probe: the NodeIDs that answered, in order', () => expect(textOf(probe)).toEqual([A, A]))
})
