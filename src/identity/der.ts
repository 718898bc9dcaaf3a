// Just enough DER to read what avalanchego's staking/parse.go reads from a certificate: the
// SubjectPublicKeyInfo, and inside it the RSA modulus and exponent or the EC curve and point.

export interface Tlv {
  tag: number
  /** Offset of the first byte of the element (its tag) in the buffer. */
  start: number
  /** The contents, without tag and length. */
  body: Uint8Array
  /** Offset just past the element. */
  end: number
}

export class DerError extends Error {}

export function readTlv(buf: Uint8Array, offset: number, expectTag?: number): Tlv {
  const tag = buf[offset]
  let lenByte = buf[offset + 1]
  if (tag === undefined || lenByte === undefined) throw new DerError('truncated')
  if (expectTag !== undefined && tag !== expectTag) {
    throw new DerError(`expected tag 0x${expectTag.toString(16)}, found 0x${tag.toString(16)}`)
  }
  let pos = offset + 2
  let len = lenByte
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f
    if (n === 0 || n > 4) throw new DerError('unsupported length encoding')
    len = 0
    for (let i = 0; i < n; i++) {
      lenByte = buf[pos++]
      if (lenByte === undefined) throw new DerError('truncated')
      len = len * 256 + lenByte
    }
  }
  const end = pos + len
  if (end > buf.length) throw new DerError('truncated')
  return { tag, start: offset, body: buf.subarray(pos, end), end }
}

/** The elements of a constructed value, in order. */
export function children(body: Uint8Array): Tlv[] {
  const out: Tlv[] = []
  for (let pos = 0; pos < body.length;) {
    const t = readTlv(body, pos)
    out.push(t)
    pos = t.end
  }
  return out
}

export const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OID: 0x06, SEQUENCE: 0x30, CONTEXT_0: 0xa0 }

/** Dotted form of an OBJECT IDENTIFIER body. */
export function oidToString(body: Uint8Array): string {
  const parts: number[] = []
  let v = 0
  for (const b of body) {
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  const first = parts.shift() ?? 0
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...parts].join('.')
}

/** An unsigned big-endian INTEGER body as a bigint (DER may prefix a 0x00 to keep it positive). */
export function unsignedInteger(body: Uint8Array): bigint {
  let n = 0n
  for (const b of body) n = (n << 8n) | BigInt(b)
  return n
}
