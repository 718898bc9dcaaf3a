// The job summary of each mode (src/render/summary.ts). The bugs of issue 9 (the restore's
// "expected" row showing the backup's NodeID, an unclosed header cell, "(no answer)" when nothing
// was asked) each have a row here.
import { summaryOf, table } from '../../src/render/summary.js'
import { A, B, restore } from '../support/outcomes.js'

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
