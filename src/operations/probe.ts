import {
  probeStakingPort,
  throwawayClientCertificate,
  type ProbeAnswer
} from '../node/staking-port.js'
import type { Log } from '../log.js'
import type { ProbeSettings } from '../settings/modes.js'

export interface ProbeRow extends ProbeAnswer {
  expected?: string
  /** true: the expected NodeID; false: another; undefined: no expectation or no answer. */
  match?: boolean
}

export interface ProbeOutcome {
  mode: 'probe'
  /** Every node answered, and with the NodeID expected of it. */
  ok: boolean
  nodes: ProbeRow[]
}

/**
 * The NodeID of each node from its staking port, without SSH or secrets: all hosts at once, each
 * with its own timeout, so the fleet takes as long as its slowest node, not the sum.
 */
export async function probe(settings: ProbeSettings, log: Log): Promise<ProbeOutcome> {
  const { targets, timeoutMs } = settings
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
      return { mode: 'probe', ok: nodes.every(n => n.nodeId && n.match !== false), nodes }
    }
  )
}
