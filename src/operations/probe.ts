import {
  parseHostPort,
  probeStakingPort,
  throwawayClientCertificate,
  type ProbeAnswer
} from '../node/staking-port.js'
import type { Log } from '../log.js'

export interface ProbeTarget {
  host: string
  port: number
  expected?: string
}

export interface ProbeRow extends ProbeAnswer {
  expected?: string
  /** true: the expected NodeID; false: another; undefined: no expectation or no answer. */
  match?: boolean
}

export interface ProbeReport {
  ok: boolean
  nodes: ProbeRow[]
}

/**
 * The NodeID of each node from its staking port, without SSH or secrets: all hosts at once, each
 * with its own timeout, so the fleet takes as long as its slowest node, not the sum.
 */
export async function probe(
  targets: ProbeTarget[],
  timeoutMs: number,
  log: Log
): Promise<ProbeReport> {
  return log.group(
    `Probe ${targets.length} staking port${targets.length > 1 ? 's' : ''}`,
    async () => {
      const client = throwawayClientCertificate()
      const nodes = await Promise.all(
        targets.map(async t => {
          const a = await probeStakingPort(t.host, t.port, client, timeoutMs)
          const row: ProbeRow = {
            ...a,
            ...(t.expected ? { expected: t.expected } : {}),
            ...(a.nodeId && t.expected ? { match: a.nodeId === t.expected } : {})
          }
          log.info(
            `${t.host}:${t.port}  ${a.nodeId ?? `unreachable: ${a.error}`}${row.match === false ? `  (expected ${t.expected})` : ''}${a.tlsMs !== undefined ? `  ${a.tlsMs} ms` : ''}`
          )
          return row
        })
      )
      return { ok: nodes.every(n => n.nodeId && n.match !== false), nodes }
    }
  )
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
  allowNoExpectation = false
): ProbeTarget[] {
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
        `hosts: entry ${i + 1} is not host[:port]. Give host[:port] (default port 9651), e.g. 203.0.113.7:9651.`
      )
    }
  })
  if (hosts.length === 0)
    throw fail('hosts is required for mode probe: the nodes to probe, host[:port] each.')
  const lines = expectedInput
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(Boolean)
  const mapped =
    lines.length > 0 &&
    lines.every(l => /^\S+?\s*[:=\s]\s*NodeID-\S+$/.test(l) && !l.startsWith('NodeID-'))
  if (mapped) {
    const map = new Map<string, string>()
    for (const l of lines) {
      const m = /^(\S+?)\s*[:=\s]\s*(NodeID-\S+)$/.exec(l)!
      const hp = parseHostPort(m[1]!.replace(/:$/, ''))
      map.set(`${hp.host}:${hp.port}`, parseNodeId(m[2]!, `expected-node-id for ${m[1]}`))
    }
    return hosts.map(h => {
      const expected = map.get(`${h.host}:${h.port}`)
      if (!expected) throw fail(`expected-node-id has no NodeID for ${h.host}:${h.port}.`)
      return { ...h, expected }
    })
  }
  const ids = split(expectedInput)
  if (ids.length === 0 && allowNoExpectation) return hosts
  if (ids.length !== hosts.length) {
    throw fail(
      `expected-node-id has ${ids.length} NodeID${ids.length === 1 ? '' : 's'} for ${hosts.length} host${hosts.length === 1 ? '' : 's'}: give one per host in the same order, or 'host NodeID' lines.`
    )
  }
  return hosts.map((h, i) => ({
    ...h,
    expected: parseNodeId(ids[i]!, `expected-node-id for ${h.host}`)
  }))
}
