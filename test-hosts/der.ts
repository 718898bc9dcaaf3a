// A small DER encoder for crafting certificates that openssl will not make (even RSA modulus,
// compressed EC point). avalanchego checks neither the signature nor the issuer, so a certificate
// with a placeholder signature is as good as any for its parser.

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}
export const tlv = (tag: number, body: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([tag]), len(body.length), body])
export const seq = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items))
export const int = (n: bigint): Buffer => {
  let hex = n.toString(16)
  if (hex.length % 2) hex = '0' + hex
  let b = Buffer.from(hex, 'hex')
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b])
  return tlv(0x02, b)
}
export const bitString = (b: Uint8Array): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]))
export const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [a! * 40 + b!]
  for (const n of rest) {
    const parts = [n & 0x7f]
    for (let v = n >> 7; v > 0; v >>= 7) parts.unshift((v & 0x7f) | 0x80)
    out.push(...parts)
  }
  return tlv(0x06, Buffer.from(out))
}
const utcTime = (s: string): Buffer => tlv(0x17, Buffer.from(s))

/** A v1 certificate around the given SubjectPublicKeyInfo, with a placeholder signature. */
export function certificateWithSpki(spki: Uint8Array): Buffer {
  const sigAlg = seq(oid('1.2.840.10045.4.3.2'))
  const tbs = seq(
    int(0n),
    sigAlg,
    seq(),
    seq(utcTime('991231000000Z'), utcTime('491231000000Z')),
    seq(),
    spki
  )
  return seq(tbs, sigAlg, bitString(Buffer.alloc(8)))
}

export function rsaSpki(n: bigint, e: bigint): Buffer {
  return seq(seq(oid('1.2.840.113549.1.1.1'), Buffer.from([5, 0])), bitString(seq(int(n), int(e))))
}

export function ecSpki(curveOid: string, point: Uint8Array): Buffer {
  return seq(seq(oid('1.2.840.10045.2.1'), oid(curveOid)), bitString(point))
}

const generalizedTime = (s: string): Buffer => tlv(0x18, Buffer.from(s))
const explicit0 = (body: Uint8Array): Buffer => tlv(0xa0, body)

/**
 * A certificate for the given public key, self-signed with the given key, as avalanchego makes its
 * own (staking/tls.go): version 3, serial 0, empty names, valid from 1999-12-31 for 100 years.
 */
export function selfSignedCertificate(
  spki: Uint8Array,
  signTbs: (tbs: Buffer) => Buffer,
  signatureOid: string
): Buffer {
  const sigAlg = seq(oid(signatureOid))
  const tbs = seq(
    explicit0(int(2n)),
    int(0n),
    sigAlg,
    seq(),
    seq(utcTime('991231000000Z'), generalizedTime('20991231000000Z')),
    seq(),
    spki
  )
  return seq(tbs, sigAlg, bitString(signTbs(tbs)))
}
