import { createPrivateKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import type { StakingCertificate } from './certificate.js'
import { normalisePemText } from './certificate.js'
import { IdentityError } from './errors.js'
import { looksLikePem, pemBlocks } from './pem.js'

export interface StakingKey {
  key: KeyObject
  /** The PEM block type: PRIVATE KEY (PKCS#8), RSA PRIVATE KEY (PKCS#1) or EC PRIVATE KEY (SEC1). */
  container: 'PKCS#8' | 'PKCS#1' | 'SEC1'
  /** The file as the node reads it (normalised line endings). */
  pem: Buffer
  description: string
}

const CONTAINERS: Record<string, StakingKey['container']> = {
  'PRIVATE KEY': 'PKCS#8',
  'RSA PRIVATE KEY': 'PKCS#1',
  'EC PRIVATE KEY': 'SEC1'
}

const ENCRYPTED =
  'is encrypted with a passphrase; avalanchego cannot read encrypted keys either. ' +
  'Store the decrypted key (openssl pkey -in staker.key -out staker.key.plain).'

/**
 * Loads staker.key like Go's tls.X509KeyPair: the first PEM block whose type ends in PRIVATE KEY,
 * as PKCS#8, PKCS#1 or SEC1. Error messages carry types and sizes only, never key bytes.
 */
export function parseStakingKey(bytes: Uint8Array): StakingKey {
  if (!looksLikePem(bytes)) {
    throw new IdentityError(
      'staker.key',
      `no PEM data (${bytes.length} bytes); avalanchego reads a PEM PRIVATE KEY (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY`
    )
  }
  const text = Buffer.from(bytes).toString('utf8')
  const blocks = pemBlocks(text)
  const block = blocks.find(b => b.type.endsWith('PRIVATE KEY'))
  if (!block) {
    const found = blocks.map(b => b.type).join(', ') || 'no complete PEM block'
    const swapped = blocks.some(b => b.type === 'CERTIFICATE')
      ? ' It holds a certificate: were staker.crt and staker.key swapped?'
      : ''
    throw new IdentityError(
      'staker.key',
      `no PEM private key (found: ${found}); avalanchego reads a PEM PRIVATE KEY.${swapped}`
    )
  }
  if (
    block.type === 'ENCRYPTED PRIVATE KEY' ||
    /ENCRYPTED/.test(block.headers['Proc-Type'] ?? '')
  ) {
    throw new IdentityError('staker.key', ENCRYPTED)
  }
  const container = CONTAINERS[block.type]
  if (!container) {
    const hint =
      block.type === 'OPENSSH PRIVATE KEY' ? ' This looks like an SSH key, not a staking key.' : ''
    throw new IdentityError(
      'staker.key',
      `PEM block '${block.type}'; avalanchego reads PRIVATE KEY (PKCS#8), RSA PRIVATE KEY (PKCS#1) or EC PRIVATE KEY (SEC1).${hint}`
    )
  }
  let key: KeyObject
  try {
    key = createPrivateKey({
      key: block.der,
      format: 'der',
      type: container === 'PKCS#8' ? 'pkcs8' : container === 'PKCS#1' ? 'pkcs1' : 'sec1'
    })
  } catch {
    throw new IdentityError(
      'staker.key',
      `the ${block.type} block (${block.der.length} bytes) is not a valid ${container} key; the file is damaged or truncated`
    )
  }
  return {
    key,
    container,
    pem: Buffer.from(normalisePemText(text)),
    description: `${describeKey(key)} (${container})`
  }
}

export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA-${d.modulusLength ?? '?'}`
    case 'ec':
      return d.namedCurve === 'prime256v1' ? 'ECDSA P-256' : `ECDSA ${d.namedCurve ?? '?'}`
    default:
      return key.asymmetricKeyType ?? 'unknown'
  }
}

/**
 * Proves that staker.key is the key of staker.crt: a fresh random challenge signed with the
 * private key must verify with the certificate's public key.
 */
export function assertKeyPair(key: StakingKey, cert: StakingCertificate): void {
  const certType = cert.publicKey.asymmetricKeyType
  if (key.key.asymmetricKeyType !== certType) {
    throw new IdentityError(
      'staker.key',
      `${describeKey(key.key)} key, but the key in staker.crt is ${cert.keyType}: they are not a pair`
    )
  }
  const challenge = randomBytes(32)
  let ok = false
  try {
    ok = verify('sha256', challenge, cert.publicKey, sign('sha256', challenge, key.key))
  } catch {
    ok = false
  }
  if (!ok) {
    throw new IdentityError(
      'staker.key',
      `does not belong to staker.crt (a challenge signed with it does not verify with the certificate's key); avalanchego refuses to start with them`
    )
  }
}
