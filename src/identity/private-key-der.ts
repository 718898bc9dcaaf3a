// The private key encodings Go's crypto/x509 reads (Go 1.25: pkcs1.go, pkcs8.go, sec1.go, with
// encoding/asn1), and the RSA key checks crypto/rsa makes since Go 1.24 (the stored CRT values
// must agree with the key). What Go ignores is ignored here too: the version of a PKCS#8
// wrapper, elements after the last field Go reads, and the public key stored in an EC key.
import { bitLength, bitString, Der, DerError, integer, oid, smallInteger, TAG } from './der.js'
import { P256_N } from './p256.js'

export type PrivateKeyFacts =
  | { kind: 'rsa'; n: bigint; bits: number }
  | { kind: 'ec'; curve: 'P-224' | 'P-256' | 'P-384' | 'P-521'; d: bigint }
  | { kind: 'ed25519' }

const CURVES: Record<string, { name: 'P-224' | 'P-256' | 'P-384' | 'P-521'; n: bigint }> = {
  '1.3.132.0.33': {
    name: 'P-224',
    n: 0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3dn
  },
  '1.2.840.10045.3.1.7': { name: 'P-256', n: P256_N },
  '1.3.132.0.34': {
    name: 'P-384',
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n
  },
  '1.3.132.0.35': {
    name: 'P-521',
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n
  }
}

/** Checks an element header the way encoding/asn1 does before it looks at an optional field. */
function checkHeader(buf: Uint8Array): void {
  let i = 1
  if (buf[0] === undefined) return
  if ((buf[0] & 0x1f) === 0x1f) {
    let tag = 0
    for (;;) {
      const b = buf[i++]
      if (b === undefined) throw new DerError('truncated tag')
      if (tag === 0 && b === 0x80) throw new DerError('non-minimal tag')
      tag = tag * 128 + (b & 0x7f)
      if (tag > 0x7fffffff) throw new DerError('tag too large')
      if (!(b & 0x80)) break
    }
    if (tag < 0x1f) throw new DerError('non-minimal tag')
  }
  const first = buf[i++]
  if (first === undefined) throw new DerError('truncated length')
  if (!(first & 0x80)) return
  const n = first & 0x7f
  if (n === 0) throw new DerError('indefinite length')
  let len = 0
  for (let k = 0; k < n; k++) {
    const b = buf[i++]
    if (b === undefined) throw new DerError('truncated length')
    if (len >= 1 << 23) throw new DerError('length too large')
    len = len * 256 + b
    if (len === 0) throw new DerError('non-minimal length')
  }
  if (len < 0x80) throw new DerError('non-minimal length')
}

/** encoding/asn1's optional field: present only if the next element has that tag. */
function optional(d: Der, tag: number): Uint8Array | undefined {
  if (d.empty) return undefined
  if (d.peek() === tag) return d.any().body
  checkHeader(d.rest())
  return undefined
}

/**
 * encoding/asn1's optional EXPLICIT field: the inner element is read right after the tag's header
 * (not held to the tag's length), and an inner element of another type makes the field absent.
 */
function explicit<T>(
  d: Der,
  tag: number,
  innerTag: number,
  read: (inner: Der) => T
): T | undefined {
  if (d.empty) return undefined
  if (d.peek() !== tag) {
    checkHeader(d.rest())
    return undefined
  }
  const probe = new Der(d.rest())
  if (probe.enter(tag) === 0) throw new DerError('empty explicit tag')
  if (probe.empty) throw new DerError('explicit tag has no child')
  checkHeader(probe.rest())
  if (probe.peek() !== innerTag) return undefined
  const value = read(probe)
  d.skip(d.rest().length - probe.rest().length)
  return value
}

/** x509.ParsePKCS1PrivateKey, then crypto/rsa's checks (Go 1.24 and later). */
export function parsePkcs1(der: Uint8Array): PrivateKeyFacts {
  const top = new Der(der)
  const seq = top.read(TAG.SEQUENCE)
  if (!top.empty) throw new DerError('trailing data')
  const d = new Der(seq.body)
  const version = smallInteger(d.read(TAG.INTEGER).body)
  const n = integer(d.read(TAG.INTEGER).body)
  const e = smallInteger(d.read(TAG.INTEGER).body)
  const [priv, p, q] = [0, 1, 2].map(() => integer(d.read(TAG.INTEGER).body)) as [
    bigint,
    bigint,
    bigint
  ]
  const crt = [0, 1, 2].map(() => {
    const body = optional(d, TAG.INTEGER)
    return body === undefined ? undefined : integer(body)
  })
  const more = optional(d, TAG.SEQUENCE)
  if (version > 1n) throw new DerError('unsupported version')
  if (n <= 0n || priv <= 0n || p <= 0n || q <= 0n || crt.some(v => v !== undefined && v <= 0n)) {
    throw new DerError('zero or negative value')
  }
  // Keys of more than two primes: Go reads them without CRT checks; no staking key is one.
  if (more !== undefined && more.length > 0) throw new DerError('multi-prime key')
  validateRsa({ n, e, d: priv, p, q, dp: crt[0], dq: crt[1], qinv: crt[2] })
  return { kind: 'rsa', n, bits: bitLength(n) }
}

interface RsaNumbers {
  n: bigint
  e: bigint
  d: bigint
  p: bigint
  q: bigint
  dp?: bigint | undefined
  dq?: bigint | undefined
  qinv?: bigint | undefined
}

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n]
  while (r1 !== 0n) {
    const k = r0 / r1
    ;[r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1]
  }
  return r0 === 1n ? mod(s0, m) : 0n
}

/** crypto/rsa's Validate since Go 1.24 (crypto/internal/fips140/rsa checkPrivateKey). */
function validateRsa(k: RsaNumbers): void {
  const { n, e, d, p, q } = k
  const fail = (why: string) => {
    throw new DerError(why)
  }
  if ((n & 1n) === 0n) fail('even modulus')
  if (e < 2n || (e & 1n) === 0n || e > 0x7fffffffn) fail('bad public exponent')
  if (p < 2n || q < 2n || p >= n || q >= n || d >= n) fail('invalid prime')
  const dp = k.dp ?? d % (p - 1n)
  const dq = k.dq ?? d % (q - 1n)
  const qinv = k.qinv ?? modInverse(q, p)
  if ((p * q) % n !== 0n) fail('p * q != n')
  if (dp >= p - 1n || (dp * e) % (p - 1n) !== 1n % (p - 1n)) fail('invalid CRT exponent')
  if (dq >= q - 1n || (dq * e) % (q - 1n) !== 1n % (q - 1n)) fail('invalid CRT exponent')
  if (qinv >= p || (qinv * q) % p !== 1n) fail('invalid CRT coefficient')
  const diff = p > q ? p - q : q - p
  if (diff === 0n || bitLength(diff) <= Math.floor(bitLength(n) / 2) - 100)
    fail('|p - q| too small')
  if (bitLength(d) <= Math.floor(bitLength(n) / 2)) fail('d too small')
}

const OIDS = {
  rsa: '1.2.840.113549.1.1.1',
  ec: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112'
}

/** x509.ParsePKCS8PrivateKey, for the key types tls.X509KeyPair takes from it. */
export function parsePkcs8(der: Uint8Array): PrivateKeyFacts {
  const d = new Der(new Der(der).read(TAG.SEQUENCE).body)
  smallInteger(d.read(TAG.INTEGER).body) // the version: read, never checked
  const algo = new Der(d.read(TAG.SEQUENCE).body)
  const algorithm = oid(algo.read(TAG.OID).body)
  const params = algo.empty ? undefined : algo.any().full
  const inner = d.read(TAG.OCTET_STRING).body
  if (algorithm === OIDS.rsa) return parsePkcs1(inner)
  if (algorithm === OIDS.ec) {
    let curve: string | undefined
    try {
      curve = params ? oid(new Der(params).read(TAG.OID).body) : undefined
    } catch {
      curve = undefined
    }
    return parseSec1(inner, curve)
  }
  if (algorithm === OIDS.ed25519) {
    if (params !== undefined) throw new DerError('Ed25519 key with parameters')
    if (new Der(inner).read(TAG.OCTET_STRING).body.length !== 32) {
      throw new DerError('Ed25519 seed of a wrong length')
    }
    return { kind: 'ed25519' }
  }
  throw new DerError(`PKCS#8 key of algorithm ${algorithm}`)
}

/** x509's parseECPrivateKey: the curve from the PKCS#8 wrapper if given, else from the key. */
export function parseSec1(der: Uint8Array, wrapperCurve: string | undefined): PrivateKeyFacts {
  const d = new Der(new Der(der).read(TAG.SEQUENCE).body)
  const version = smallInteger(d.read(TAG.INTEGER).body)
  let scalar = d.read(TAG.OCTET_STRING).body
  const innerCurve = explicit(d, 0xa0, TAG.OID, inner => oid(inner.read(TAG.OID).body))
  // The stored public key is parsed as a BIT STRING and then ignored (Go derives it from d).
  explicit(d, 0xa1, TAG.BIT_STRING, inner => bitString(inner.read(TAG.BIT_STRING).body))
  if (version !== 1n) throw new DerError('unknown EC key version')
  const curve = CURVES[wrapperCurve ?? innerCurve ?? '']
  if (!curve) throw new DerError('unknown elliptic curve')
  const value = BigInt('0x0' + Buffer.from(scalar).toString('hex'))
  if (value >= curve.n) throw new DerError('private key value out of range')
  const size = Math.ceil(bitLength(curve.n) / 8)
  while (scalar.length > size) {
    if (scalar[0] !== 0) throw new DerError('invalid private key length')
    scalar = scalar.subarray(1)
  }
  // Go 1.25's ecdsa.ParseRawPrivateKey refuses the zero scalar.
  if (value === 0n) throw new DerError('zero private key')
  return { kind: 'ec', curve: curve.name, d: value }
}
