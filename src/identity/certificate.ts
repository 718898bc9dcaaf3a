import { createPublicKey, type KeyObject } from 'node:crypto'
import { children, DerError, oidToString, readTlv, TAG, unsignedInteger } from './der.js'
import { IdentityError } from './errors.js'
import { nodeIdFromCertificate } from './node-id.js'
import { looksLikePem, pemBlocks, toPem } from './pem.js'

/** The key types avalanchego accepts for its staking certificate (staking/parse.go). */
export type KeyType = 'RSA-2048' | 'RSA-4096' | 'ECDSA-P256'

export const MAX_CERTIFICATE_DER = 2048
const NEEDS = 'avalanchego accepts RSA-2048, RSA-4096 or ECDSA P-256'

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7'
}
const KNOWN_OIDS: Record<string, string> = {
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1'
}

export interface StakingCertificate {
  der: Buffer
  /** The file as the node reads it: the PEM given, or the DER wrapped in PEM. */
  pem: Buffer
  /** 'pem', or 'der' when the input was raw DER (written back as PEM). */
  encoding: 'pem' | 'der'
  /** Certificates after the first in a chain; the node ignores them. */
  ignoredChainCertificates: number
  keyType: KeyType
  publicKey: KeyObject
  nodeId: string
}

/** Reads a certificate the way avalanchego does: PEM (first CERTIFICATE of a chain) or DER. */
export function parseStakingCertificate(bytes: Uint8Array): StakingCertificate {
  let der: Buffer
  let encoding: 'pem' | 'der'
  let chain = 0
  if (looksLikePem(bytes)) {
    const blocks = pemBlocks(Buffer.from(bytes).toString('utf8'))
    const certs = blocks.filter(b => b.type === 'CERTIFICATE')
    const first = certs[0]
    if (!first) {
      const found = blocks.map(b => b.type).join(', ') || 'no complete PEM block'
      const swapped = blocks.some(b => b.type.endsWith('PRIVATE KEY'))
        ? ' It holds a private key: were staker.crt and staker.key swapped?'
        : ''
      throw new IdentityError(
        'staker.crt',
        `no PEM CERTIFICATE block (found: ${found}); avalanchego reads a PEM CERTIFICATE.${swapped}`
      )
    }
    der = first.der
    encoding = 'pem'
    chain = certs.length - 1
  } else {
    der = Buffer.from(bytes)
    encoding = 'der'
  }
  if (der.length > MAX_CERTIFICATE_DER) {
    throw new IdentityError(
      'staker.crt',
      `certificate of ${der.length} bytes (DER); avalanchego refuses certificates over ${MAX_CERTIFICATE_DER} bytes`
    )
  }
  const spki = findSubjectPublicKeyInfo(der)
  const keyType = acceptedKeyType(spki)
  let publicKey: KeyObject
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
  } catch {
    throw new IdentityError('staker.crt', 'the public key in the certificate cannot be read')
  }
  const pem =
    encoding === 'pem'
      ? Buffer.from(normalisePemText(Buffer.from(bytes).toString('utf8')))
      : Buffer.from(toPem('CERTIFICATE', der))
  return {
    der,
    pem,
    encoding,
    ignoredChainCertificates: chain,
    keyType,
    publicKey,
    nodeId: nodeIdFromCertificate(der)
  }
}

/** CRLF to LF, surrounding blank space trimmed, one final newline: the file as the node writes it. */
export function normalisePemText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim() + '\n'
}

function findSubjectPublicKeyInfo(der: Buffer): Uint8Array {
  try {
    const cert = readTlv(der, 0, TAG.SEQUENCE)
    const tbs = readTlv(cert.body, 0, TAG.SEQUENCE)
    const fields = children(tbs.body)
    // [0] version is optional: v1 certificates (like avalanchego's local stakers) omit it.
    const rest = fields[0]?.tag === TAG.CONTEXT_0 ? fields.slice(1) : fields
    // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    const spki = rest[5]
    if (!spki || spki.tag !== TAG.SEQUENCE) throw new DerError('no subjectPublicKeyInfo')
    return tbs.body.subarray(spki.start, spki.end)
  } catch (e) {
    const why = e instanceof DerError ? ` (${e.message})` : ''
    throw new IdentityError(
      'staker.crt',
      `not a well-formed X.509 certificate${why}; avalanchego reads a PEM CERTIFICATE`
    )
  }
}

function acceptedKeyType(spkiDer: Uint8Array): KeyType {
  const spki = readTlv(spkiDer, 0, TAG.SEQUENCE)
  const [algorithm, bits] = children(spki.body)
  if (!algorithm || !bits || bits.tag !== TAG.BIT_STRING) {
    throw new IdentityError('staker.crt', 'malformed public key info')
  }
  const [oid, params] = children(algorithm.body)
  const algo = oid ? oidToString(oid.body) : ''
  const key = bits.body.subarray(1) // first byte: unused bits
  if (algo === OID.rsaEncryption) {
    const [n, e] = children(readTlv(key, 0, TAG.SEQUENCE).body)
    if (!n || !e) throw new IdentityError('staker.crt', 'malformed RSA public key')
    const modulus = unsignedInteger(n.body)
    const size = modulus.toString(2).length
    if (size !== 2048 && size !== 4096) {
      throw new IdentityError('staker.crt', `RSA key of ${size} bits; ${NEEDS}`)
    }
    if ((modulus & 1n) === 0n) {
      throw new IdentityError('staker.crt', `RSA modulus is even; ${NEEDS} with an odd modulus`)
    }
    const exponent = unsignedInteger(e.body)
    if (exponent !== 65537n) {
      throw new IdentityError(
        'staker.crt',
        `RSA public exponent ${exponent}; avalanchego accepts only 65537`
      )
    }
    return size === 2048 ? 'RSA-2048' : 'RSA-4096'
  }
  if (algo === OID.ecPublicKey) {
    const curve = params?.tag === TAG.OID ? oidToString(params.body) : 'unnamed'
    if (curve !== OID.p256) {
      throw new IdentityError(
        'staker.crt',
        `ECDSA key on curve ${KNOWN_OIDS[curve] ?? curve}; ${NEEDS}`
      )
    }
    if (key.length !== 65 || key[0] !== 0x04) {
      throw new IdentityError(
        'staker.crt',
        'ECDSA P-256 point is not in uncompressed form; avalanchego reads only uncompressed points'
      )
    }
    return 'ECDSA-P256'
  }
  throw new IdentityError(
    'staker.crt',
    `${KNOWN_OIDS[algo] ?? `key algorithm ${algo}`} key; ${NEEDS}`
  )
}
