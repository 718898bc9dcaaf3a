import { createHash, createHmac } from 'node:crypto'
import { InputError } from '../errors.js'

/**
 * The host keys a run trusts for one host, from the `host-key` input: known_hosts lines and/or
 * `SHA256:` fingerprints (as `ssh-keyscan HOST | ssh-keygen -lf -` prints them). known_hosts lines
 * count only where OpenSSH would use them for this host name and port.
 */
export interface HostKeyPins {
  /**
   * The trusted keys: OpenSSH fingerprint (`SHA256:` + unpadded base64 of the blob's sha256) →
   * the key types it can be, or undefined for a bare fingerprint that does not say.
   */
  fingerprints: Map<string, readonly KeyType[] | undefined>
  /** Keys marked `@revoked` for this host: refused even where another line trusts them. */
  revoked: Set<string>
  /** known_hosts lines that name other hosts (or this one negated): not used for this host. */
  otherHosts: number
}

/** The host key types ssh2 can verify, in the order it prefers them. */
export const KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa'
] as const
export type KeyType = (typeof KEY_TYPES)[number]

/** The signature algorithms a server may use with each key type (RSA: SHA-2 first). */
const ALGORITHMS: Record<KeyType, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
}

/** The key types named in `ssh-keygen -l` output, `… (ED25519)`. */
const FINGERPRINT_TYPES: Record<string, KeyType[]> = {
  ED25519: ['ssh-ed25519'],
  ECDSA: ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'],
  RSA: ['ssh-rsa']
}

/** How to get a host's key from a trusted place, for the input that takes it. */
export function howToGetHostKey(input = 'host-key'): string {
  return (
    'Get it from a trusted place: on the host itself, `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`, ' +
    `or \`ssh-keyscan -p PORT HOST | ssh-keygen -lf -\` from a network you trust, and put the line(s) in the ${input} input (a variable or secret).`
  )
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` + base64 of its sha256, no padding. */
export function fingerprint(keyBlob: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/** The key type named inside a key blob (its first SSH string). */
export function keyBlobType(keyBlob: Uint8Array): string {
  const b = Buffer.from(keyBlob)
  if (b.length < 4) return 'unknown'
  const len = b.readUInt32BE(0)
  return b.subarray(4, 4 + len).toString('latin1')
}

/** The key type a signature algorithm belongs to (rsa-sha2-512 → ssh-rsa). */
export function keyTypeOf(algorithm: string): string {
  return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm
}

const isKeyType = (t: string): t is KeyType => (KEY_TYPES as readonly string[]).includes(t)

/**
 * The name OpenSSH looks up in known_hosts for a connection: the host as given, lower case, or
 * `[host]:port` when the port is not 22 (openssh-portable misc.c put_host_port).
 */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase()
  return port === 22 ? h : `[${h}]:${port}`
}

/**
 * Whether a known_hosts host field applies to `name` (from knownHostsName), as OpenSSH decides
 * (hostfile.c match_maybe_hashed, match.c match_hostname): a hashed `|1|salt|hash` entry is the
 * HMAC-SHA1 of the name keyed with the salt; otherwise a comma list of patterns with `*` and `?`,
 * compared in lower case, where a matching `!pattern` excludes the line whatever else matches.
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) {
    const m = /^\|1\|([A-Za-z0-9+/]+={0,2})\|([A-Za-z0-9+/]+={0,2})$/.exec(field)
    const salt = m ? Buffer.from(m[1]!, 'base64') : undefined
    if (!m || salt?.length !== 20)
      throw new InputError(
        'host-key: a hashed host name is not in the form |1|SALT|HASH that `ssh-keygen -H` writes.'
      )
    return createHmac('sha1', salt).update(name).digest('base64') === m[2]
  }
  let positive = false
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!')
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase()
    if (!globMatches(pattern, name)) continue
    if (negated) return false
    positive = true
  }
  return positive
}

/** `*` is any run of characters, `?` any one; everything else stands for itself. */
export function globMatches(pattern: string, s: string): boolean {
  // The set of pattern positions reachable after each character of s (no backtracking blow-up).
  let states = closure(new Set([0]), pattern)
  for (const c of s) {
    const next = new Set<number>()
    for (const i of states) {
      if (pattern[i] === '*') next.add(i)
      else if (pattern[i] === '?' || pattern[i] === c) next.add(i + 1)
    }
    states = closure(next, pattern)
    if (states.size === 0) return false
  }
  return states.has(pattern.length)
}

function closure(states: Set<number>, pattern: string): Set<number> {
  for (let i = 0; i < pattern.length; i++)
    if (states.has(i) && pattern[i] === '*') states.add(i + 1)
  return states
}

interface Line {
  marker?: 'revoked'
  /** The known_hosts host field; undefined for a bare key or fingerprint (any host). */
  hosts?: string
  fingerprint: string
  types?: KeyType[]
  /** A key type ssh2 cannot verify (ssh-dss, sk-…): refused if the line is for this host. */
  unsupported?: string
}

/**
 * Reads host-key for one host: every line is parsed (a line that cannot be read is an error),
 * then the lines OpenSSH would use for `host` and `port` become the pins.
 */
export function parseHostKeys(
  input: string,
  host: string,
  port: number,
  inputName = 'host-key'
): HostKeyPins {
  const lines = input
    .split(/\r?\n/)
    .map((l, i) => [i + 1, l.trim()] as const)
    .filter(([, l]) => l && !l.startsWith('#'))
  if (lines.length === 0)
    throw new InputError(`${inputName} is empty. ${howToGetHostKey(inputName)}`)
  const name = knownHostsName(host, port)
  const pins: HostKeyPins = { fingerprints: new Map(), revoked: new Set(), otherHosts: 0 }
  for (const [n, text] of lines) {
    const line = parseLine(text, `${inputName} line ${n}`)
    if (line.hosts !== undefined && !hostFieldMatches(line.hosts, name)) {
      pins.otherHosts++
      continue
    }
    if (line.unsupported)
      throw new InputError(
        `${inputName}: ${line.unsupported.slice(0, 40)} host keys cannot be checked here; give the host's ed25519, ECDSA or RSA key.`
      )
    if (line.marker === 'revoked') pins.revoked.add(line.fingerprint)
    else pins.fingerprints.set(line.fingerprint, line.types)
  }
  // A revoked key is never trusted, whichever line pins it; its type is then not asked for.
  for (const fp of pins.revoked) pins.fingerprints.delete(fp)
  return pins
}

/** One line; `where` names it in errors (`host-key line 2`), which never repeat its text. */
function parseLine(text: string, where: string): Line {
  let rest = text
  let marker: Line['marker']
  if (rest.startsWith('@')) {
    const word = rest.split(/\s+/, 1)[0]!
    if (word === '@cert-authority')
      throw new InputError(
        `${where}: @cert-authority lines (host certificates) are not supported: give the host's own key, as a known_hosts line or its SHA256 fingerprint. ${howToGetHostKey(where.split(' ')[0])}`
      )
    if (word !== '@revoked')
      throw new InputError(
        `${where}: unknown marker; known_hosts knows @revoked and @cert-authority.`
      )
    marker = 'revoked'
    rest = rest.slice(word.length).trim()
  }
  const fp = /^(?:\d+\s+)?SHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(rest)
  if (fp) {
    const types = FINGERPRINT_TYPES[/\(([A-Z0-9]+)\)\s*$/.exec(rest)?.[1] ?? '']
    return {
      ...(marker ? { marker } : {}),
      fingerprint: `SHA256:${fp[1]}`,
      ...(types ? { types } : {})
    }
  }
  if (/\bMD5:/.test(rest) || /^([0-9a-f]{2}:){15}[0-9a-f]{2}\b/i.test(rest))
    throw new InputError(
      `${where}: MD5 fingerprints are not accepted; use the SHA256 form (\`ssh-keygen -lf FILE\` prints it).`
    )
  return { ...(marker ? { marker } : {}), ...keyLine(rest, where) }
}

/** `HOSTS TYPE BASE64 [comment]` (known_hosts) or `TYPE BASE64 [comment]` (a .pub file). */
function keyLine(text: string, where: string): Omit<Line, 'marker'> {
  const fields = text.split(/\s+/)
  const looksLikeType = (f = '') => /^(ssh-|ecdsa-|sk-)[a-z0-9@.-]+$/.test(f)
  const bare = looksLikeType(fields[0]) && /^AAAA/.test(fields[1] ?? '')
  const [hosts, type, blob] = bare ? [undefined, ...fields] : fields
  if (!type || !looksLikeType(type) || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
    throw new InputError(
      `${where} cannot be read: give known_hosts lines (HOST TYPE KEY) or SHA256 fingerprints. ${howToGetHostKey(where.split(' ')[0])}`
    )
  }
  const bytes = Buffer.from(blob, 'base64')
  if (keyBlobType(bytes) !== type) {
    throw new InputError(
      `${where}: its ${type.slice(0, 40)} key is damaged (its content does not say ${type}).`
    )
  }
  return {
    ...(hosts !== undefined ? { hosts } : {}),
    fingerprint: fingerprint(bytes),
    ...(isKeyType(type) ? { types: [type] } : { unsupported: type })
  }
}

/**
 * The key types to offer in the next handshake, or undefined when nothing is left to try. The
 * server presents the first offered type it has, so each handshake settles one type: a bare
 * fingerprint may belong to any type, and after a type was presented and not trusted, the next
 * handshake leaves it out (one handshake per key type at most). A type that a typed pin names is
 * never retried past: its key differs from the pin, which is a mismatch, not a reason to look on.
 */
export function nextOffer(
  pins: HostKeyPins | undefined,
  presented: ReadonlySet<string>
): { types: KeyType[]; algorithms: string[] } | undefined {
  const named = new Set<KeyType>()
  let untyped = false
  for (const types of pins?.fingerprints.values() ?? []) {
    if (types) types.forEach(t => named.add(t))
    else untyped = true
  }
  if ([...presented].some(t => named.has(t as KeyType))) return undefined
  // With nothing trusted for this host, one handshake shows which key the host presents.
  const anyType = untyped || named.size === 0
  if (presented.size > 0 && !untyped) return undefined
  const types = KEY_TYPES.filter(t => (anyType || named.has(t)) && !presented.has(t)).sort(
    (a, b) => Number(named.has(b)) - Number(named.has(a))
  )
  if (types.length === 0) return undefined
  return { types, algorithms: types.flatMap(t => ALGORITHMS[t]) }
}
