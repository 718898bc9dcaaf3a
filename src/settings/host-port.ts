import { isIPv6 } from 'node:net'

/**
 * `host[:port]`, `[v6]:port` or a bare IPv6 address; the port 1–65535 (default 9651, the staking
 * port). Throws without quoting the text: callers name the entry by its place.
 */
export function parseHostPort(text: string, defaultPort = 9651): { host: string; port: number } {
  const t = text.trim()
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(t) ?? /^([^:\s[\]]+)(?::(\d+))?$/.exec(t)
  const host = m?.[1] ?? (isIPv6(t) ? t : undefined)
  if (!host || (t.startsWith('[') && !isIPv6(host))) throw new Error('not host[:port]')
  const port = m?.[2] === undefined ? defaultPort : Number(m[2])
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('port out of range')
  return { host, port }
}
