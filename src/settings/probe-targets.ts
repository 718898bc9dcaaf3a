import { parseHostPort } from './host-port.js'

/** A staking port to probe, and the NodeID it must prove (when one is expected). */
export interface ProbeTarget {
  host: string
  port: number
  expected?: string
}

/**
 * The hosts to probe (`host[:port]`, one per line or separated by commas or spaces) with their
 * expected NodeIDs: one per host in the same order, or a mapping of `host[:port] NodeID` lines
 * (`host: NodeID` and `host=NodeID` also read). Throws InputError-like errors naming the fix.
 */
export function parseProbeTargets(
  hostsInput: string,
  expectedInput: string,
  parseNodeId: (s: string, what: string) => string,
  fail: (message: string) => Error,
  allowNoExpectation = false,
  /** How an input is named to whoever gave it (the CLI: its flags). */
  label: (name: string) => string = name => name
): ProbeTarget[] {
  const hostsName = label('hosts')
  const idsName = label('expected-node-id')
  const split = (s: string) =>
    s
      .split(/[\s,]+/)
      .map(x => x.trim())
      .filter(Boolean)
  // An entry is named by its place, never quoted: inputs are not echoed back.
  const hosts = split(hostsInput).map((h, i) => {
    try {
      return parseHostPort(h)
    } catch {
      throw fail(
        `${hostsName}: entry ${i + 1} is not host[:port]. Give host[:port] (default port 9651), e.g. 203.0.113.7:9651.`
      )
    }
  })
  if (hosts.length === 0)
    throw fail(`${hostsName} is required for mode probe: the nodes to probe, host[:port] each.`)
  const lines = expectedInput
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(Boolean)
  const mapped =
    lines.length > 0 &&
    lines.every(l => /^\S+?\s*[:=\s]\s*NodeID-\S+$/.test(l) && !l.startsWith('NodeID-'))
  if (mapped) {
    const map = new Map<string, string>()
    for (const [i, l] of lines.entries()) {
      const m = /^(\S+?)\s*[:=\s]\s*(NodeID-\S+)$/.exec(l)!
      let hp: { host: string; port: number }
      try {
        hp = parseHostPort(m[1]!.replace(/:$/, ''))
      } catch {
        throw fail(
          `${idsName}: line ${i + 1} does not start with host[:port]. Give 'host[:port] NodeID' lines, or one NodeID per host in the order of hosts.`
        )
      }
      map.set(`${hp.host}:${hp.port}`, parseNodeId(m[2]!, `${idsName} for ${m[1]}`))
    }
    return hosts.map(h => {
      const expected = map.get(`${h.host}:${h.port}`)
      if (!expected) throw fail(`${idsName} has no NodeID for ${h.host}:${h.port}.`)
      return { ...h, expected }
    })
  }
  const ids = split(expectedInput)
  if (ids.length === 0 && allowNoExpectation) return hosts
  if (ids.length !== hosts.length) {
    throw fail(
      `${idsName} has ${ids.length} NodeID${ids.length === 1 ? '' : 's'} for ${hosts.length} host${hosts.length === 1 ? '' : 's'}: give one per host in the same order, or 'host NodeID' lines.`
    )
  }
  return hosts.map((h, i) => ({
    ...h,
    expected: parseNodeId(ids[i]!, `${idsName} for ${h.host}`)
  }))
}
