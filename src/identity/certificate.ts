import { bitLength, Der, DerError, integer, oid, smallInteger, TAG, unsigned } from './der.js'
import { IdentityError } from './errors.js'
import { nodeIdFromCertificate } from './node-id.js'
import { onP256 } from './p256.js'
import { looksLikePem, pemBlocks, shownType, toPem, type PemBlock } from './pem.js'
import { parseX509, type X509Certificate } from './x509.js'

/** The key types avalanchego accepts for its staking certificate (staking/parse.go). */
export type KeyType = 'RSA-2048' | 'RSA-4096' | 'ECDSA-P256'

/** The certificate's public key, as tls.X509KeyPair compares it with the private key. */
export type CertificateKey = { kind: 'rsa'; n: bigint } | { kind: 'ec'; x: bigint; y: bigint }

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
  '1.3.132.0.33': 'P-224',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1'
}

export interface StakingCertificate {
  der: Buffer
  /** The file as the node reads it: the PEM given, byte for byte, or the DER wrapped in PEM. */
  pem: Buffer
  /** 'pem', or 'der' when the input was raw DER (written back as PEM). */
  encoding: 'pem' | 'der'
  /** Certificates after the first in a chain; the node ignores them. */
  ignoredChainCertificates: number
  keyType: KeyType
  publicKey: CertificateKey
  nodeId: string
}

/**
 * Reads staker.crt the way avalanchego does (tls.X509KeyPair, then staking/parse.go): the first
 * PEM CERTIFICATE block Go's encoding/pem decodes, parsed by Go's x509 rules and then the node's
 * own key rules. Raw DER (not a file the node reads) is accepted too and written back as PEM.
 * The bytes are judged exactly as given: `pem` is what a restore writes.
 */
export function parseStakingCertificate(bytes: Uint8Array): StakingCertificate {
  assertSize('staker.crt', bytes)
  let der: Buffer
  let encoding: 'pem' | 'der'
  let chain = 0
  if (looksLikePem(bytes)) {
    const blocks = pemBlocks(bytes)
    const certs = blocks.filter(b => b.type === 'CERTIFICATE')
    const first = certs[0]
    if (!first) throw new IdentityError('staker.crt', noCertificate(bytes, blocks))
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
  const x509 = readX509(der)
  const { keyType, publicKey } = acceptedKey(x509)
  return {
    der,
    pem: encoding === 'pem' ? Buffer.from(bytes) : Buffer.from(toPem('CERTIFICATE', der)),
    encoding,
    ignoredChainCertificates: chain,
    keyType,
    publicKey,
    nodeId: nodeIdFromCertificate(der)
  }
}

/** The most a staking file may be: a few KB in practice; refused before any parsing. */
export const MAX_FILE_BYTES = 64 * 1024

export function assertSize(file: 'staker.crt' | 'staker.key', bytes: Uint8Array): void {
  if (bytes.length > MAX_FILE_BYTES) {
    throw new IdentityError(
      file,
      `${bytes.length} bytes; a ${file} is a few KB (avalanchego's are under 4 KB), so anything over ${MAX_FILE_BYTES} bytes is refused unread`
    )
  }
}

function noCertificate(bytes: Uint8Array, blocks: PemBlock[]): string {
  if (blocks.length === 0) {
    const armour = Buffer.from(bytes).includes('-----BEGIN CERTIFICATE-----')
    return armour
      ? 'its CERTIFICATE block cannot be decoded the way avalanchego (Go encoding/pem) decodes it: a character outside base64 (A-Z a-z 0-9 + /), wrong = padding, or a BEGIN/END line that is damaged or missing. Store the file exactly as the node wrote it.'
      : 'no PEM block avalanchego can decode; avalanchego reads a PEM CERTIFICATE'
  }
  const found = blocks.map(b => shownType(b.type)).join(', ')
  const swapped = blocks.some(b => b.type.endsWith('PRIVATE KEY'))
    ? ' It holds a private key: were staker.crt and staker.key swapped?'
    : ''
  return `no PEM CERTIFICATE block (found: ${found}); avalanchego reads a PEM CERTIFICATE.${swapped}`
}

function readX509(der: Buffer): X509Certificate {
  try {
    return parseX509(der)
  } catch (e) {
    if (!(e instanceof DerError)) throw e
    throw new IdentityError(
      'staker.crt',
      `not a well-formed X.509 certificate (${e.message}); avalanchego reads a PEM CERTIFICATE`
    )
  }
}

function acceptedKey(cert: X509Certificate): { keyType: KeyType; publicKey: CertificateKey } {
  try {
    if (cert.keyAlgorithm === OID.rsaEncryption) return rsaKey(cert)
    if (cert.keyAlgorithm === OID.ecPublicKey) return ecKey(cert)
  } catch (e) {
    if (!(e instanceof DerError)) throw e
    throw new IdentityError('staker.crt', `malformed public key (${e.message}); ${NEEDS}`)
  }
  const algo = cert.keyAlgorithm
  throw new IdentityError(
    'staker.crt',
    `${KNOWN_OIDS[algo] ?? `key algorithm ${algo}`} key; ${NEEDS}`
  )
}

const NULL = Buffer.from([5, 0])

function rsaKey(cert: X509Certificate): { keyType: KeyType; publicKey: CertificateKey } {
  // Go's x509 wants the NULL parameters; staking/parse.go then the size, parity and exponent.
  if (!cert.keyParameters || Buffer.compare(Buffer.from(cert.keyParameters), NULL) !== 0) {
    throw new DerError('RSA key without NULL parameters')
  }
  const key = new Der(new Der(cert.publicKey).read(TAG.SEQUENCE).body)
  const n = integer(key.read(TAG.INTEGER).body)
  const e = smallInteger(key.read(TAG.INTEGER).body)
  if (n <= 0n) throw new IdentityError('staker.crt', `RSA modulus is not positive; ${NEEDS}`)
  const size = bitLength(n)
  if (size !== 2048 && size !== 4096) {
    throw new IdentityError('staker.crt', `RSA key of ${size} bits; ${NEEDS}`)
  }
  if ((n & 1n) === 0n) {
    throw new IdentityError('staker.crt', `RSA modulus is even; ${NEEDS} with an odd modulus`)
  }
  if (e !== 65537n) {
    throw new IdentityError(
      'staker.crt',
      `RSA public exponent ${e}; avalanchego accepts only 65537`
    )
  }
  return { keyType: size === 2048 ? 'RSA-2048' : 'RSA-4096', publicKey: { kind: 'rsa', n } }
}

function ecKey(cert: X509Certificate): { keyType: KeyType; publicKey: CertificateKey } {
  const params = cert.keyParameters
  const curve = params ? oid(new Der(params).read(TAG.OID).body) : 'unnamed'
  const point = cert.publicKey
  if (curve !== OID.p256) {
    throw new IdentityError(
      'staker.crt',
      `ECDSA key on curve ${KNOWN_OIDS[curve] ?? curve}; ${NEEDS}`
    )
  }
  if (point.length !== 65 || point[0] !== 0x04) {
    throw new IdentityError(
      'staker.crt',
      'ECDSA P-256 point is not in uncompressed form; avalanchego reads only uncompressed points'
    )
  }
  const x = unsigned(point.subarray(1, 33))
  const y = unsigned(point.subarray(33))
  if (!onP256(x, y)) {
    throw new IdentityError('staker.crt', 'the ECDSA P-256 public key is not a point of the curve')
  }
  return { keyType: 'ECDSA-P256', publicKey: { kind: 'ec', x, y } }
}
