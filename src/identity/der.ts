// Strict DER, read the way Go reads it (golang.org/x/crypto/cryptobyte, which crypto/x509 and
// avalanchego's staking/parse.go use, and encoding/asn1 for private keys): one-byte tags only,
// definite and minimal lengths, minimal INTEGERs, OIDs in minimal base 128, BIT STRINGs whose
// unused bits are zero. Anything else is a DerError.

export class DerError extends Error {}

export interface Element {
  tag: number
  /** The contents, without tag and length. */
  body: Uint8Array
  /** Tag, length and contents. */
  full: Uint8Array
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

/** A cursor over a run of DER elements. */
export class Der {
  private pos = 0
  constructor(private readonly buf: Uint8Array) {}

  get empty(): boolean {
    return this.pos >= this.buf.length
  }

  /** The bytes not read yet. */
  rest(): Uint8Array {
    return this.buf.subarray(this.pos)
  }

  /** Moves on by n bytes (after reading them through another cursor over rest()). */
  skip(n: number): void {
    this.pos += n
  }

  peek(): number | undefined {
    return this.buf[this.pos]
  }

  /** Tag and length at `start`, by DER's rules; the contents are not looked at. */
  private header(start: number): { head: number; len: number } {
    const buf = this.buf
    const tag = buf[start]
    const first = buf[start + 1]
    if (tag === undefined || first === undefined) throw new DerError('truncated')
    if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tag')
    if (!(first & 0x80)) return { head: 2, len: first }
    const n = first & 0x7f
    if (n === 0) throw new DerError('indefinite length')
    if (n > 4) throw new DerError('length too large')
    let len = 0
    for (let i = 0; i < n; i++) {
      const b = buf[start + 2 + i]
      if (b === undefined) throw new DerError('truncated')
      if (i === 0 && b === 0) throw new DerError('non-minimal length')
      len = len * 256 + b
    }
    if (len < 0x80) throw new DerError('non-minimal length')
    return { head: 2 + n, len }
  }

  /** The next element, whatever its tag. */
  any(): Element {
    const start = this.pos
    const { head, len } = this.header(start)
    const end = start + head + len
    if (end > this.buf.length) throw new DerError('truncated')
    this.pos = end
    const tag = this.buf[start]!
    return { tag, body: this.buf.subarray(start + head, end), full: this.buf.subarray(start, end) }
  }

  /**
   * Steps past the header of the next element (it must have this tag), so that what follows is
   * read as if the header were not there: how encoding/asn1 reads an EXPLICIT tag, whose stated
   * length it never holds the inner element to. Returns that stated length.
   */
  enter(tag: number): number {
    if (this.peek() !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`)
    const { head, len } = this.header(this.pos)
    this.pos += head
    return len
  }

  /** The next element, which must have this tag. */
  read(tag: number): Element {
    if (this.peek() !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`)
    return this.any()
  }

  /** The next element if it has this tag (cryptobyte's ReadOptionalASN1). */
  optional(tag: number): Element | undefined {
    return this.peek() === tag ? this.any() : undefined
  }

  /** The elements of a constructed value, in order. */
  static children(body: Uint8Array): Element[] {
    const d = new Der(body)
    const out: Element[] = []
    while (!d.empty) out.push(d.any())
    return out
  }
}

/** A DER INTEGER body as a signed bigint; refuses empty and non-minimal encodings. */
export function integer(body: Uint8Array): bigint {
  const [b0, b1] = body
  if (b0 === undefined) throw new DerError('empty integer')
  if (b1 !== undefined && ((b0 === 0 && b1 < 0x80) || (b0 === 0xff && b1 >= 0x80))) {
    throw new DerError('non-minimal integer')
  }
  let n = 0n
  for (const b of body) n = (n << 8n) | BigInt(b)
  return b0 & 0x80 ? n - (1n << BigInt(body.length * 8)) : n
}

/** An INTEGER that Go reads into an int (64 bits). */
export function smallInteger(body: Uint8Array): bigint {
  if (body.length > 8) throw new DerError('integer too large')
  return integer(body)
}

/** Dotted form of an OBJECT IDENTIFIER body: non-empty, minimal base 128, parts below 2^31. */
export function oid(body: Uint8Array): string {
  if (body.length === 0) throw new DerError('empty OID')
  const parts: number[] = []
  let v = 0
  let digits = 0
  for (const b of body) {
    if (digits === 0 && b === 0x80) throw new DerError('non-minimal OID')
    if (++digits > 5 || v >= 1 << 24) throw new DerError('OID part too large')
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(v)
      v = 0
      digits = 0
    }
  }
  if (digits !== 0) throw new DerError('truncated OID')
  const first = parts.shift()!
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...parts].join('.')
}

/** A BIT STRING body's bytes; the count of unused bits at most 7 and those bits zero. */
export function bitString(body: Uint8Array): Uint8Array {
  const unused = body[0]
  if (unused === undefined || unused > 7) throw new DerError('bad BIT STRING')
  const last = body[body.length - 1]!
  if ((body.length === 1 && unused > 0) || (last & ((1 << unused) - 1)) !== 0) {
    throw new DerError('bad BIT STRING padding')
  }
  if (unused === 0) return body.subarray(1)
  // Go right-aligns a BIT STRING with unused bits before reading a key from it.
  const out = new Uint8Array(body.length - 1)
  let carry = 0
  for (let i = 1; i < body.length; i++) {
    out[i - 1] = (carry << (8 - unused)) | (body[i]! >> unused)
    carry = body[i]! & ((1 << unused) - 1)
  }
  return out
}

/** A DER BOOLEAN: one byte, 0x00 or 0xff. */
export function boolean(body: Uint8Array): boolean {
  if (body.length !== 1 || (body[0] !== 0 && body[0] !== 0xff)) throw new DerError('bad BOOLEAN')
  return body[0] === 0xff
}

/** A non-negative big-endian value as a bigint. */
export function unsigned(body: Uint8Array): bigint {
  let n = 0n
  for (const b of body) n = (n << 8n) | BigInt(b)
  return n
}

export function bitLength(n: bigint): number {
  return n <= 0n ? 0 : n.toString(2).length
}
