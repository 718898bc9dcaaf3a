// What Go's x509.ParseCertificate (Go 1.25, src/crypto/x509/parser.go) refuses in a certificate:
// tls.X509KeyPair runs it on the first certificate of staker.crt, so a certificate that passes
// avalanchego's own staking/parse.go but not this stops the node all the same. The signature,
// issuer and dates are read for their form only, never checked against anything.
import { bitString, boolean, Der, DerError, oid, smallInteger, integer, TAG } from './der.js'

export interface X509Certificate {
  /** The subjectPublicKeyInfo's algorithm OID and parameters (full element, if any). */
  keyAlgorithm: string
  keyParameters?: Uint8Array
  /** The subjectPublicKey BIT STRING's bytes. */
  publicKey: Uint8Array
}

const ctx = (n: number, constructed: boolean) => 0x80 | (constructed ? 0x20 : 0) | n

/** Parses the certificate like Go; throws DerError with Go's reason when Go refuses it. */
export function parseX509(der: Uint8Array): X509Certificate {
  const top = new Der(der)
  const cert = top.read(TAG.SEQUENCE)
  if (!top.empty) throw new DerError('trailing data after the certificate')
  const outer = new Der(cert.body)
  const tbs = new Der(outer.read(TAG.SEQUENCE).body)
  const version = readVersion(tbs)
  const serial = integer(tbs.read(TAG.INTEGER).body)
  // Go 1.23 and later (GODEBUG x509negativeserial=0, the default).
  if (serial < 0n) throw new DerError('negative serial number')
  const sigAlg = tbs.read(TAG.SEQUENCE)
  algorithmIdentifier(sigAlg.body)
  name(tbs.read(TAG.SEQUENCE).body)
  validity(tbs.read(TAG.SEQUENCE).body)
  name(tbs.read(TAG.SEQUENCE).body)
  const spki = new Der(tbs.read(TAG.SEQUENCE).body)
  const ai = algorithmIdentifier(spki.read(TAG.SEQUENCE).body)
  const publicKey = bitString(spki.read(TAG.BIT_STRING).body)
  if (version > 1) {
    tbs.optional(ctx(1, false))
    tbs.optional(ctx(2, false))
    if (version === 3) {
      const exts = tbs.optional(ctx(3, true))
      if (exts) extensions(exts.body)
    }
  }
  const outerAlg = outer.read(TAG.SEQUENCE)
  if (Buffer.compare(outerAlg.full, sigAlg.full) !== 0) {
    throw new DerError('inner and outer signature algorithms differ')
  }
  bitString(outer.read(TAG.BIT_STRING).body)
  return {
    keyAlgorithm: ai.algorithm,
    ...(ai.parameters && { keyParameters: ai.parameters }),
    publicKey
  }
}

function readVersion(tbs: Der): number {
  const v = tbs.optional(ctx(0, true))
  if (!v) return 1
  const inner = new Der(v.body)
  const n = smallInteger(inner.read(TAG.INTEGER).body)
  if (!inner.empty) throw new DerError('malformed version')
  if (n < 0n || n > 2n) throw new DerError('invalid version')
  return Number(n) + 1
}

export function algorithmIdentifier(body: Uint8Array): {
  algorithm: string
  parameters?: Uint8Array
} {
  const d = new Der(body)
  const algorithm = oid(d.read(TAG.OID).body)
  if (d.empty) return { algorithm }
  return { algorithm, parameters: d.any().full }
}

function name(body: Uint8Array): void {
  for (const set of Der.children(body)) {
    if (set.tag !== TAG.SET) throw new DerError('invalid RDNSequence')
    const atvs = new Der(set.body)
    while (!atvs.empty) {
      const atv = new Der(atvs.read(TAG.SEQUENCE).body)
      oid(atv.read(TAG.OID).body)
      const value = atv.any()
      asn1String(value.tag, value.body)
    }
  }
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/

/** Go's parseASN1String: the string types it reads, each checked for its alphabet. */
function asn1String(tag: number, body: Uint8Array): void {
  const latin1 = Buffer.from(body).toString('latin1')
  const ok = (() => {
    switch (tag) {
      case TAG.T61_STRING:
        return true
      case TAG.PRINTABLE_STRING:
        return PRINTABLE.test(latin1)
      case TAG.UTF8_STRING:
        return isUtf8(body)
      case TAG.BMP_STRING:
        return body.length % 2 === 0
      case TAG.IA5_STRING:
        return isAscii(body)
      case TAG.NUMERIC_STRING:
        return /^[0-9 ]*$/.test(latin1)
      default:
        return false
    }
  })()
  if (!ok) throw new DerError(`invalid string (tag 0x${tag.toString(16)})`)
}

const isAscii = (body: Uint8Array) => body.every(b => b < 0x80)

function isUtf8(body: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body)
    return true
  } catch {
    return false
  }
}

function validity(body: Uint8Array): void {
  const d = new Der(body)
  for (let i = 0; i < 2; i++) {
    const t = d.any()
    const s = Buffer.from(t.body).toString('latin1')
    const ok =
      t.tag === TAG.UTC_TIME
        ? utcTime(s)
        : t.tag === TAG.GENERALIZED_TIME
          ? generalizedTime(s)
          : false
    if (!ok) throw new DerError('malformed time')
  }
}

/** cryptobyte's UTCTime: YYMMDDHHMM[SS]Z, a real date and time (its round trip through Go's time). */
function utcTime(s: string): boolean {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s)
  if (!m) return false
  const yy = Number(m[1])
  return validDate(yy >= 69 ? 1900 + yy : 2000 + yy, m.slice(2, 7))
}

/** cryptobyte's GeneralizedTime: YYYYMMDDHHMMSS[.fraction without trailing zeros]Z. */
function generalizedTime(s: string): boolean {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d*[1-9])?Z$/.exec(s)
  if (!m) return false
  return validDate(Number(m[1]), m.slice(2, 7))
}

function validDate(year: number, parts: (string | undefined)[]): boolean {
  const [mo, d, h, mi, se] = parts.map(p => (p === undefined ? 0 : Number(p)))
  if (mo! < 1 || mo! > 12 || h! > 23 || mi! > 59 || se! > 59) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo! - 1]!
  return d! >= 1 && d! <= days
}

function extensions(body: Uint8Array): void {
  const list = new Der(new Der(body).read(TAG.SEQUENCE).body)
  const seen = new Set<string>()
  while (!list.empty) {
    const ext = new Der(list.read(TAG.SEQUENCE).body)
    const id = oid(ext.read(TAG.OID).body)
    const critical = ext.peek() === TAG.BOOLEAN ? boolean(ext.any().body) : false
    const value = ext.read(TAG.OCTET_STRING).body
    if (seen.has(id)) throw new DerError(`duplicate extension ${id}`)
    seen.add(id)
    knownExtension(id, critical, value)
  }
}

/** The extensions Go reads while parsing (processExtensions); others are kept unread. */
function knownExtension(id: string, critical: boolean, value: Uint8Array): void {
  const d = new Der(value)
  switch (id) {
    case '2.5.29.15': // keyUsage
      bitString(d.read(TAG.BIT_STRING).body)
      return
    case '2.5.29.19': {
      // basicConstraints
      const bc = new Der(d.read(TAG.SEQUENCE).body)
      if (bc.peek() === TAG.BOOLEAN) boolean(bc.any().body)
      if (bc.peek() === TAG.INTEGER) smallInteger(bc.any().body)
      return
    }
    case '2.5.29.14': // subjectKeyIdentifier
      d.read(TAG.OCTET_STRING)
      return
    case '2.5.29.35': {
      // authorityKeyIdentifier
      if (critical) throw new DerError('authority key identifier marked critical')
      const akid = new Der(d.read(TAG.SEQUENCE).body)
      if (akid.peek() === 0x80) akid.any()
      return
    }
    case '2.5.29.17': // subjectAltName
      subjectAltName(d.read(TAG.SEQUENCE).body)
      return
    case '2.5.29.37': {
      // extKeyUsage
      const eku = new Der(d.read(TAG.SEQUENCE).body)
      while (!eku.empty) oid(eku.read(TAG.OID).body)
      return
    }
    case '2.5.29.30':
    case '2.5.29.31':
    case '2.5.29.32':
    case '1.3.6.1.5.5.7.1.1':
      // nameConstraints, CRL distribution points, policies, authority info access: a SEQUENCE
      // (their contents are not checked here; no staking certificate carries them).
      d.read(TAG.SEQUENCE)
      return
  }
}

function subjectAltName(body: Uint8Array): void {
  for (const gn of Der.children(body)) {
    if ((gn.tag === 0x81 || gn.tag === 0x82 || gn.tag === 0x86) && !isAscii(gn.body)) {
      throw new DerError('SAN name is not IA5')
    }
    if (gn.tag === 0x87 && gn.body.length !== 4 && gn.body.length !== 16) {
      throw new DerError('SAN IP address of a wrong length')
    }
  }
}
