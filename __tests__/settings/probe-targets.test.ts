import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../../src/errors.js'
import { parseNodeId } from '../../src/identity/node-id.js'
import { parseProbeTargets, type ProbeTarget } from '../../src/settings/probe-targets.js'

// avalanchego's public local-network NodeIDs, read from the vectors directly: the helper in
// support/vectors.ts also looks for a Node 24 (a child process), which this pure file does not need.
const expectedJson = join(
  process.cwd(),
  '..',
  'shared',
  'vectors',
  'avalanchego-local',
  'expected.json'
)
const [A, B, C] = (
  JSON.parse(readFileSync(expectedJson, 'utf8')) as { stakers: { nodeID: string }[] }
).stakers.map(s => s.nodeID) as [string, string, string]

const fail = (m: string) => new InputError(m)
const parse = (hosts: string, expected = '', allowNoExpectation = false): ProbeTarget[] =>
  parseProbeTargets(hosts, expected, parseNodeId, fail, allowNoExpectation)

/** The error parseProbeTargets throws for these inputs. */
function refusal(hosts: string, expected = '', allowNoExpectation = false): Error {
  try {
    parse(hosts, expected, allowNoExpectation)
  } catch (e) {
    return e as Error
  }
  throw new Error('accepted')
}

describe('hosts: host[:port], separated by lines, commas or spaces', () => {
  it.each<[string, string, { host: string; port: number }[]]>([
    ['a host alone: port 9651', '203.0.113.7', [{ host: '203.0.113.7', port: 9651 }]],
    ['a host with its port', '203.0.113.7:19651', [{ host: '203.0.113.7', port: 19651 }]],
    ['a host name', 'node-1.example.com:9651', [{ host: 'node-1.example.com', port: 9651 }]],
    [
      'one per line (LF and CRLF)',
      'a\nb:1\r\nc',
      [
        { host: 'a', port: 9651 },
        { host: 'b', port: 1 },
        { host: 'c', port: 9651 }
      ]
    ],
    [
      'commas, spaces and tabs',
      'a, b  c,d\te',
      ['a', 'b', 'c', 'd', 'e'].map(host => ({ host, port: 9651 }))
    ],
    [
      'blank lines and stray commas',
      '\n  a,,\n\n ,b \n',
      [
        { host: 'a', port: 9651 },
        { host: 'b', port: 9651 }
      ]
    ],
    ['IPv6 in brackets with a port', '[2001:db8::1]:19651', [{ host: '2001:db8::1', port: 19651 }]],
    ['IPv6 in brackets without a port', '[2001:db8::1]', [{ host: '2001:db8::1', port: 9651 }]],
    ['bare IPv6: the default port', '2001:db8::1', [{ host: '2001:db8::1', port: 9651 }]],
    [
      'the same host on two ports: two targets',
      'a:9651 a:9652',
      [
        { host: 'a', port: 9651 },
        { host: 'a', port: 9652 }
      ]
    ]
  ])('%s', (_what, hosts, targets) => {
    const got = parse(hosts, '', true)
    expect(got).toEqual(targets)
    for (const t of got) expect(t).not.toHaveProperty('expected')
  })

  it.each<[string, string]>([
    ['empty', ''],
    ['only spaces and line breaks', '  \n\t\r\n '],
    ['only commas', ',, ,']
  ])('%s: hosts is required', (_what, hosts) => {
    const e = refusal(hosts, A, true)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toBe(
      'hosts is required for mode probe: the nodes to probe, host[:port] each.'
    )
  })

  // The bad entry is named by its place, and never quoted: a secret pasted here must not be printed.
  it.each<[string, number, string]>([
    ['a port that is not a number', 2, 'good.example.com, hunter2:secret'],
    ['an empty host before the port', 4, 'a b c :9651'],
    ['a trailing colon', 1, 'hunter2secret:'],
    ['a port with a sign', 3, 'a\nb\nhunter2:+9651'],
    ['a port followed by junk', 1, 'hunter2:9651x']
  ])('%s: entry %d', (_what, position, hosts) => {
    const e = refusal(hosts, '', true)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toBe(
      `hosts: entry ${position} is not host[:port]. Give host[:port] (default port 9651), e.g. 203.0.113.7:9651.`
    )
    expect(e.message).not.toContain('hunter2')
  })

  // parseHostPort (src/settings/host-port.ts): a port is 1–65535, and only a real IPv6 address
  // goes without brackets. (A port out of range used to reach tls.connect and fail every probe.)
  it.each<[string, string]>([
    ['port 0', 'node.example.com:0'],
    ['port 65536', 'node.example.com:65536'],
    ['port 99999 after a bracketed IPv6', '[2001:db8::1]:99999'],
    ['an unclosed bracket', '[2001:db8::1'],
    ['a bracketed IPv6 followed by junk', '[2001:db8::1]junk'],
    ['a port that is not a number after a bracketed IPv6', '[2001:db8::1]:port'],
    ['a host name with two ports', 'node.example.com:9651:9651']
  ])('%s is not host[:port] either', (_what, hosts) => {
    const e = refusal(hosts, '', true)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toMatch(/^hosts: entry 1 is not host\[:port\]/)
  })
})

describe('expected-node-id: one NodeID per host, in the same order', () => {
  it.each<[string, string, string]>([
    ['one per line', 'a b c', `${A}\n${B}\n${C}\n`],
    ['separated by commas and spaces', 'a\nb\nc', ` ${A}, ${B},${C} `],
    ['CRLF lines with blank ones', 'a,b,c', `\r\n${A}\r\n\r\n${B}\r\n${C}`]
  ])('%s', (_what, hosts, expected) => {
    expect(parse(hosts, expected)).toEqual([
      { host: 'a', port: 9651, expected: A },
      { host: 'b', port: 9651, expected: B },
      { host: 'c', port: 9651, expected: C }
    ])
  })

  it('the order of the NodeIDs is the order of the hosts', () => {
    expect(parse('a:1 b:2', `${B} ${A}`).map(t => [t.host, t.expected])).toEqual([
      ['a', B],
      ['b', A]
    ])
  })

  it.each<[string, string, string, boolean, string]>([
    ['fewer NodeIDs than hosts', 'a b', A, false, '1 NodeID for 2 hosts'],
    ['more NodeIDs than hosts', 'a', `${A} ${B}`, false, '2 NodeIDs for 1 host'],
    ['none, when one is needed', 'a b c', '', false, '0 NodeIDs for 3 hosts'],
    ['some but not all, even when none are needed', 'a b', A, true, '1 NodeID for 2 hosts'],
    // One line is not `host NodeID`: the whole input is read as a list, here of three.
    ['a mapping with one bare NodeID line', 'a b', `a ${A}\n${B}`, false, '3 NodeIDs for 2 hosts']
  ])('%s: refused with the counts', (_what, hosts, expected, allow, counts) => {
    const e = refusal(hosts, expected, allow)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toBe(
      `expected-node-id has ${counts}: give one per host in the same order, or 'host NodeID' lines.`
    )
  })

  it('none given when none are needed: the hosts without expectations', () => {
    expect(parse('a b', ' \n ', true)).toEqual([
      { host: 'a', port: 9651 },
      { host: 'b', port: 9651 }
    ])
  })

  it.each<[string, string, RegExp]>([
    [
      'a mistyped NodeID: named for its host',
      `${A} ${B.slice(0, -1)}X`,
      /^NodeID: expected-node-id for b '.*' has a wrong checksum/
    ],
    [
      'something that is not a NodeID',
      `${A} hunter2`,
      /^NodeID: expected-node-id for b does not start with 'NodeID-'/
    ]
  ])('%s', (_what, expected, message) => {
    const e = refusal('a b', expected)
    expect(e.message).toMatch(message)
    expect(e.message).not.toContain('hunter2')
  })
})

describe("expected-node-id as 'host[:port] NodeID' lines", () => {
  it.each<[string, string, string]>([
    ['host NodeID, in another order than hosts', 'a b c', `c ${C}\na ${A}\nb ${B}`],
    ['host: NodeID', 'a b c', `a: ${A}\nb:${B}\nc : ${C}`],
    ['host=NodeID', 'a b c', `a=${A}\nb = ${B}\nc= ${C}`],
    ['host:port with a tab, then NodeID', 'a:9651 b:9651 c', `a:9651\t${A}\nb:9651=${B}\nc ${C}`],
    ['CRLF lines with blank ones', 'a b c', `\r\na ${A}\r\n\r\nb ${B}\r\nc ${C}\r\n`],
    ['the default port written or not', 'a:9651 b c', `a ${A}\nb:9651 ${B}\nc: ${C}`]
  ])('%s', (_what, hosts, expected) => {
    expect(parse(hosts, expected)).toEqual([
      { host: 'a', port: 9651, expected: A },
      { host: 'b', port: 9651, expected: B },
      { host: 'c', port: 9651, expected: C }
    ])
  })

  it('the port tells apart two nodes on one host', () => {
    expect(parse('a:9651 a:19651', `a:19651 ${B}\na:9651 ${A}`)).toEqual([
      { host: 'a', port: 9651, expected: A },
      { host: 'a', port: 19651, expected: B }
    ])
  })

  it.each<[string, string, string]>([
    ['in brackets with a port', '[2001:db8::1]:19651', `[2001:db8::1]:19651 ${A}`],
    ['in brackets, default port', '2001:db8::1', `[2001:db8::1] ${A}`],
    ['bare, with =', '[2001:db8::1]', `2001:db8::1=${A}`]
  ])('IPv6 %s', (_what, hosts, expected) => {
    expect(parse(hosts, expected).map(t => t.expected)).toEqual([A])
  })

  it.each<[string, string, string, string]>([
    ['a host with no line', 'a b', `a ${A}`, 'b:9651'],
    ['a host on another port than its line', 'a:19651', `a ${A}`, 'a:19651']
  ])('%s: refused, naming the host', (_what, hosts, expected, named) => {
    const e = refusal(hosts, expected, true)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toBe(`expected-node-id has no NodeID for ${named}.`)
  })

  it('a mistyped NodeID in a line: named for its host', () => {
    expect(refusal('a', `a ${A.slice(0, -1)}X`).message).toMatch(
      /^NodeID: expected-node-id for a '.*' has a wrong checksum/
    )
  })

  // A line's host is refused in our words (an InputError: CLI exit code 2), never quoted.
  it('a line whose host is not host[:port]: refused in our words, not quoted', () => {
    const e = refusal('a', `hunter2:secret ${A}`)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toMatch(/^expected-node-id/)
    expect(e.message).not.toContain('hunter2')
  })
})
