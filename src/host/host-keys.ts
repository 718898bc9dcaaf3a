import { createHash } from 'node:crypto'
import { InputError } from '../errors.js'

/**
 * The host keys a run trusts, from the `host-key` input: known_hosts lines and/or `SHA256:`
 * fingerprints (as `ssh-keyscan HOST | ssh-keygen -lf -` prints them).
 */
export interface HostKeyPins {
  /** sha256 of each trusted key blob, base64 without padding (OpenSSH's fingerprint form). */
  fingerprints: Set<string>
  /**
   * The host-key algorithms to offer, so the server presents a key type that is pinned. Undefined
   * when a pin does not say its type (then any type is accepted and compared).
   */
  algorithms?: string[]
}

const ALGORITHMS_FOR: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  ED25519: ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  RSA: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  ECDSA: ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']
}

export const HOW_TO_GET_HOST_KEY =
  'Get it from a trusted place: on the node, `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`, ' +
  'or `ssh-keyscan -p PORT HOST | ssh-keygen -lf -` from a network you trust, and put the line(s) in the host-key input (a variable or secret).'

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

export function parseHostKeys(input: string): HostKeyPins {
  const fingerprints = new Set<string>()
  const algorithms = new Set<string>()
  let untyped = false
  const lines = input
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
  for (const line of lines) {
    if (line.startsWith('@revoked') || line.startsWith('@cert-authority')) {
      throw new InputError(
        `host-key: '${line.split(' ')[0]}' lines are not supported; give the host's own key or its SHA256 fingerprint.`
      )
    }
    const fp = /\bSHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(line)
    if (fp) {
      fingerprints.add(`SHA256:${fp[1]}`)
      const type = /\((ED25519|RSA|ECDSA)\)\s*$/.exec(line)?.[1]
      if (type) ALGORITHMS_FOR[type]!.forEach(a => algorithms.add(a))
      else untyped = true
      continue
    }
    if (/\bMD5:/.test(line) || /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(line)) {
      throw new InputError(
        'host-key: MD5 fingerprints are not accepted; use the SHA256 form (`ssh-keygen -lf FILE` prints it).'
      )
    }
    // A known_hosts line: [markers] hostnames keytype base64 [comment], or a bare `keytype base64`.
    const fields = line.split(/\s+/)
    const at = fields.findIndex(f => f in ALGORITHMS_FOR && f === f.toLowerCase())
    const blob = at >= 0 ? fields[at + 1] : undefined
    if (at < 0 || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
      throw new InputError(
        `host-key: cannot read '${line.length > 60 ? line.slice(0, 57) + '…' : line}'. Give known_hosts lines (HOST TYPE KEY) or SHA256 fingerprints. ${HOW_TO_GET_HOST_KEY}`
      )
    }
    const bytes = Buffer.from(blob, 'base64')
    if (keyBlobType(bytes) !== fields[at]) {
      throw new InputError(
        `host-key: the ${fields[at]} key in '${fields.slice(0, at + 1).join(' ')} …' is damaged (its content says ${keyBlobType(bytes)}).`
      )
    }
    fingerprints.add(fingerprint(bytes))
    ALGORITHMS_FOR[fields[at]!]!.forEach(a => algorithms.add(a))
  }
  if (fingerprints.size === 0) throw new InputError(`host-key is empty. ${HOW_TO_GET_HOST_KEY}`)
  return { fingerprints, ...(untyped ? {} : { algorithms: [...algorithms] }) }
}
