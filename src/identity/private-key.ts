import type { StakingCertificate } from './certificate.js'
import { assertSize } from './certificate.js'
import { DerError } from './der.js'
import { IdentityError } from './errors.js'
import { p256PublicPoint } from './p256.js'
import { looksLikePem, pemBlocks, shownType } from './pem.js'
import { parsePkcs1, parsePkcs8, parseSec1, type PrivateKeyFacts } from './private-key-der.js'

export interface StakingKey {
  key: PrivateKeyFacts
  /** How the key was encoded: PKCS#8, PKCS#1 or SEC1 (whatever the PEM label says, as in Go). */
  container: 'PKCS#8' | 'PKCS#1' | 'SEC1'
  /** The file as the node reads it, byte for byte. */
  pem: Buffer
  description: string
}

const ENCRYPTED =
  'is encrypted with a passphrase; avalanchego cannot read encrypted keys either. ' +
  'Store the decrypted key (openssl pkey -in staker.key -out staker.key.plain).'

/**
 * Loads staker.key like Go's tls.X509KeyPair: the first PEM block Go's encoding/pem decodes
 * whose type is PRIVATE KEY or ends in " PRIVATE KEY", read as PKCS#1, then PKCS#8, then SEC1
 * whatever its label, PEM headers ignored. Error messages carry types and sizes only.
 */
export function parseStakingKey(bytes: Uint8Array): StakingKey {
  assertSize('staker.key', bytes)
  if (!looksLikePem(bytes)) {
    throw new IdentityError(
      'staker.key',
      `no PEM data (${bytes.length} bytes); avalanchego reads a PEM PRIVATE KEY (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY`
    )
  }
  const blocks = pemBlocks(bytes)
  const block = blocks.find(b => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'))
  if (!block)
    throw new IdentityError(
      'staker.key',
      noKeyBlock(
        bytes,
        blocks.map(b => b.type)
      )
    )
  const parsed = readKey(block.der)
  if (!parsed) {
    const encrypted =
      block.type === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(block.headers['Proc-Type'] ?? '')
    if (encrypted) throw new IdentityError('staker.key', ENCRYPTED)
    const hint =
      block.type === 'OPENSSH PRIVATE KEY' ? ' This looks like an SSH key, not a staking key.' : ''
    throw new IdentityError(
      'staker.key',
      `PEM block '${shownType(block.type)}' (${block.der.length} bytes) is not a PKCS#1, PKCS#8 or SEC1 key avalanchego can read; the file is damaged or truncated.${hint}`
    )
  }
  return {
    ...parsed,
    pem: Buffer.from(bytes),
    description: `${describeKey(parsed.key)} (${parsed.container})`
  }
}

function noKeyBlock(bytes: Uint8Array, types: string[]): string {
  if (types.length === 0) {
    return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(Buffer.from(bytes).toString('latin1'))
      ? 'its PRIVATE KEY block cannot be decoded the way avalanchego (Go encoding/pem) decodes it: a character outside base64 (A-Z a-z 0-9 + /), wrong = padding, or a BEGIN/END line that is damaged or missing. Store the file exactly as the node wrote it.'
      : 'no PEM block avalanchego can decode; avalanchego reads a PEM PRIVATE KEY'
  }
  const swapped = types.includes('CERTIFICATE')
    ? ' It holds a certificate: were staker.crt and staker.key swapped?'
    : ''
  return `no PEM private key (found: ${types.map(shownType).join(', ')}); avalanchego reads a PEM PRIVATE KEY.${swapped}`
}

/** Go's tls parsePrivateKey: PKCS#1, then PKCS#8 (RSA, ECDSA, Ed25519), then SEC1. */
function readKey(der: Buffer): Pick<StakingKey, 'key' | 'container'> | undefined {
  const attempts: [StakingKey['container'], (d: Uint8Array) => PrivateKeyFacts][] = [
    ['PKCS#1', parsePkcs1],
    ['PKCS#8', parsePkcs8],
    ['SEC1', d => parseSec1(d, undefined)]
  ]
  for (const [container, parse] of attempts) {
    try {
      return { key: parse(der), container }
    } catch (e) {
      if (!(e instanceof DerError)) throw e
    }
  }
  return undefined
}

export function describeKey(key: PrivateKeyFacts): string {
  switch (key.kind) {
    case 'rsa':
      return `RSA-${key.bits}`
    case 'ec':
      return `ECDSA ${key.curve}`
    case 'ed25519':
      return 'Ed25519'
  }
}

/**
 * Proves that staker.key is the key of staker.crt as tls.X509KeyPair does: the same RSA modulus,
 * or the same P-256 point, derived from the private scalar.
 */
export function assertKeyPair(key: StakingKey, cert: StakingCertificate): void {
  const pub = cert.publicKey
  const k = key.key
  const sameType =
    (pub.kind === 'rsa' && k.kind === 'rsa') || (pub.kind === 'ec' && k.kind === 'ec')
  if (!sameType || (k.kind === 'ec' && k.curve !== 'P-256')) {
    throw new IdentityError(
      'staker.key',
      `${describeKey(k)} key, but the key in staker.crt is ${cert.keyType}: they are not a pair`
    )
  }
  let match: boolean
  if (pub.kind === 'rsa' && k.kind === 'rsa') match = pub.n === k.n
  else if (pub.kind === 'ec' && k.kind === 'ec') {
    const point = p256PublicPoint(k.d)
    match = point.x === pub.x && point.y === pub.y
  } else match = false
  if (!match) {
    throw new IdentityError(
      'staker.key',
      `does not belong to staker.crt (its public key is not the certificate's); avalanchego refuses to start with them`
    )
  }
}
