// The one failure text, the same in the action and the CLI (src/render/failure.ts).
import { failureMessage } from '../../src/render/failure.js'
import { A, B, probe, report, restore, verify } from '../support/outcomes.js'

describe('failure text (the same in the action and the CLI)', () => {
  it.each([
    ['an ok outcome has none', verify(), undefined],
    [
      'verify: each failed check with its detail',
      verify({
        ok: false,
        report: report({
          ok: false,
          checks: [
            {
              id: 'node-id',
              title: 'NodeID is the expected one',
              status: 'fail',
              detail: `gives ${A}`
            }
          ]
        })
      }),
      `1 check failed:\n- NodeID is the expected one: gives ${A}`
    ],
    [
      'restore: the cause, then what to do',
      restore({ ok: false, cause: 'the node did not answer', recovery: 'sudo tail -n 3 /x' }),
      'Restore failed: the node did not answer\nsudo tail -n 3 /x'
    ],
    [
      'probe: each node that did not prove its NodeID',
      probe,
      `2 of 3 nodes did not prove the expected NodeID:\n- 10.0.0.2:9651: reports ${A}, expected ${B}\n- 10.0.0.3:9651: connection refused`
    ]
  ])('%s', (_n, outcome, text) => expect(failureMessage(outcome)).toBe(text))
})
