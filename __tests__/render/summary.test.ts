// The job summary, outputs, failure text and CLI text of each mode, from outcomes built by hand:
// pure renderers, no runner. The bugs of issue 9 (the restore's "expected" row showing the backup's
// NodeID, an unclosed header cell, "(no answer)" when nothing was asked) each have a row here.
import type { IdentityReport } from '../../src/identity/checks.js'
import type { BackupOutcome } from '../../src/operations/backup.js'
import type { ProbeOutcome } from '../../src/operations/probe.js'
import type { RestoreOutcome } from '../../src/operations/restore.js'
import type { VerifyOutcome } from '../../src/operations/verify.js'
import { failureMessage } from '../../src/render/failure.js'
import { outputsOf } from '../../src/render/outputs.js'
import { resultObject } from '../../src/render/result.js'
import { summaryOf, table } from '../../src/render/summary.js'
import { textOf } from '../../src/render/text.js'

const A = 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg'
const B = 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ'
const BLS = '0x' + 'ab'.repeat(48)

const report = (over: Partial<IdentityReport> = {}): IdentityReport => ({
  ok: true,
  nodeId: A,
  blsPublicKey: BLS,
  keyType: 'RSA-4096',
  checks: [
    { id: 'node-id', title: 'NodeID is the expected one', status: 'pass', expected: A, found: A }
  ],
  ...over
})

const restore = (over: Record<string, unknown> = {}): RestoreOutcome =>
  ({
    mode: 'restore',
    ok: true,
    identity: report(),
    changed: true,
    hostState: 'restored',
    expectedNodeId: A,
    nodeAsked: true,
    nodeId: A,
    blsPublicKey: BLS,
    previousNodeId: B,
    previousFiles: '/var/lib/avalanche-node-backup/abc/previous-1',
    downtimeMs: 1234,
    host: 'ubuntu@node:22',
    steps: [{ name: 'Connect', status: 'done', ms: 12 }],
    registration: { state: 'not-asked' },
    ...over
  }) as RestoreOutcome

const verify = (over: Partial<VerifyOutcome> = {}): VerifyOutcome => ({
  mode: 'verify',
  ok: true,
  report: report(),
  expected: { nodeId: A },
  live: false,
  registration: { state: 'not-asked' },
  ...over
})

const probe: ProbeOutcome = {
  mode: 'probe',
  ok: false,
  nodes: [
    { host: '10.0.0.1', port: 9651, nodeId: A, expected: A, match: true, tlsMs: 3 },
    { host: '10.0.0.2', port: 9651, nodeId: A, expected: B, match: false, tlsMs: 4 },
    { host: '10.0.0.3', port: 9651, error: 'connection refused', expected: B }
  ]
}

describe('table', () => {
  it.each([
    [
      ['a', ''],
      [['x', '']],
      '<table><tr><th>a</th><th>—</th></tr><tr><td>x</td><td>—</td></tr></table>\n'
    ],
    [['When', 'NodeID'], [], '<table><tr><th>When</th><th>NodeID</th></tr></table>\n']
  ])('%j: every cell closed, an empty one a dash', (header, rows, html) =>
    expect(table(header, rows)).toBe(html)
  )
})

describe('restore summary', () => {
  it('the expected row is the input, not the NodeID the backup gives', () => {
    const wrong = restore({ ok: false, expectedNodeId: B, nodeId: undefined, cause: 'no' })
    expect(summaryOf(wrong)).toContain(`<tr><td>expected</td><td>${B}</td></tr>`)
    expect(summaryOf(wrong)).toContain('<tr><td>after</td><td>(not proven)</td></tr>')
  })
  it.each([
    [{ nodeAsked: false, previousNodeId: undefined }, '(not asked)'],
    [{ nodeAsked: true, previousNodeId: undefined }, '(no answer)'],
    [{ nodeAsked: true, previousNodeId: B }, B]
  ])('before: %j shows %s', (over, shown) =>
    expect(summaryOf(restore(over))).toContain(`<tr><td>before</td><td>${shown}</td></tr>`)
  )
  it('the NodeID table has a header cell for each column', () =>
    expect(summaryOf(restore())).toContain('<tr><th>When</th><th>NodeID</th></tr>'))
  it('a hostile host label stays text', () => {
    const html = summaryOf(restore({ host: '<img src=x onerror=alert(1)>\n\n# hi' }))
    expect(html).toContain('Restore to &lt;img src=x onerror=alert(1)&gt;<br><br># hi')
    expect(html).not.toContain('<img')
  })
  it('the verdict: restored with downtime, nothing to do, or the cause', () => {
    expect(summaryOf(restore())).toContain(
      `Restored: the node reports <code>${A}</code> after 1.2 s of downtime.`
    )
    expect(summaryOf(restore({ changed: false }))).toContain('Nothing to do: the host already runs')
    expect(summaryOf(restore({ ok: false, cause: 'the <node> died' }))).toContain(
      'Restore failed: the &lt;node&gt; died'
    )
  })
})

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
  it('verify: the result object is the report with its mode', () =>
    expect(resultObject(verify())).toEqual({ mode: 'verify', ...report() }))
})

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
