import { InputError } from '../errors.js'
import { parseHostPort } from './host-port.js'
import { integer } from './host.js'
import type { InputReader } from './reader.js'

/** What the network is asked, and what a restore does with the answers (issue 12). */
export interface NetworkSettings {
  /** An avalanchego API on the same network (network-api); undefined: the network is not asked. */
  apiUrl?: URL
  /** Fail when the network cannot be asked (require-network-checks), instead of a warning. */
  require: boolean
  /** restore: staking ports of machines that ran this NodeID before (old-hosts). */
  oldHosts: { host: string; port: number }[]
  /** restore: a warning instead of a refusal when the NodeID runs elsewhere. */
  allowRunningElsewhere: boolean
  /** restore: how long to wait for /ext/health to turn healthy afterwards (0: not asked). */
  waitHealthyMs: number
}

/** Validates the network inputs before anything connects; errors never quote the value. */
export function parseNetworkSettings(input: InputReader): NetworkSettings {
  const raw = input.get('network-api').trim()
  const apiUrl = raw ? networkApiUrl(raw) : undefined
  const require = input.bool('require-network-checks')
  if (require && !apiUrl)
    throw new InputError(
      'require-network-checks needs network-api: the URL of an avalanchego API on the same network.'
    )
  const oldHosts = input
    .get('old-hosts')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry, i) => {
      try {
        const hp = parseHostPort(entry)
        if (hp.port < 1 || hp.port > 65535) throw new Error('port')
        return hp
      } catch {
        throw new InputError(
          `old-hosts: entry ${i + 1} is not host[:port]. Give the old machines' staking ports, host[:port] (default port 9651), one per line.`
        )
      }
    })
  const get = (n: string) => input.get(n) || '0'
  return {
    ...(apiUrl ? { apiUrl } : {}),
    require,
    oldHosts,
    allowRunningElsewhere: input.bool('allow-running-elsewhere'),
    waitHealthyMs: integer(get, 'wait-healthy', 0, 86_400) * 1000
  }
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/i

/**
 * network-api: https:// (certificates checked as usual), or http:// on a loopback address only (an
 * operator's own node through a tunnel): plain HTTP across a network could be answered by anyone
 * on the way, and these answers decide whether a validator's identity is moved.
 */
export function networkApiUrl(raw: string): URL {
  const fix =
    'Give the base URL of an avalanchego API on the same network, like https://api.avax.network (http:// only for a loopback address such as http://127.0.0.1:9650).'
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError(`network-api is not a URL. ${fix}`)
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname))
    throw new InputError(
      `network-api: http:// is allowed only for a loopback address; across a network use https://. ${fix}`
    )
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InputError(`network-api must be an https:// URL. ${fix}`)
  if (url.username || url.password || url.search || url.hash)
    throw new InputError(`network-api takes no user, password, query or fragment. ${fix}`)
  return url
}
