import { createHash } from 'node:crypto'

// avalanchego's CB58: base58 (Bitcoin alphabet) of the payload followed by the last 4 bytes of its
// sha256. Not Base58Check, which takes the first 4 bytes of a double sha256 (utils/cb58/cb58.go).
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]))
const CHECKSUM_LEN = 4

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n /= 58n
  }
  return '1'.repeat(zeros) + out
}

/** Decodes base58; returns undefined and the offending character when the text is not base58. */
export function base58Decode(text: string): Uint8Array | { badChar: string } {
  let zeros = 0
  while (zeros < text.length && text[zeros] === '1') zeros++
  let n = 0n
  for (const c of text) {
    const v = INDEX.get(c)
    if (v === undefined) return { badChar: c }
    n = n * 58n + BigInt(v)
  }
  const body: number[] = []
  while (n > 0n) {
    body.unshift(Number(n & 0xffn))
    n >>= 8n
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body])
}

function checksum(payload: Uint8Array): Buffer {
  return createHash('sha256').update(payload).digest().subarray(-CHECKSUM_LEN)
}

export function cb58Encode(payload: Uint8Array): string {
  return base58Encode(Buffer.concat([payload, checksum(payload)]))
}

export type Cb58Decoded =
  | { ok: true; payload: Uint8Array }
  | { ok: false; reason: 'alphabet'; badChar: string }
  | { ok: false; reason: 'short' | 'checksum' }

export function cb58Decode(text: string): Cb58Decoded {
  const raw = base58Decode(text)
  if (!(raw instanceof Uint8Array)) return { ok: false, reason: 'alphabet', badChar: raw.badChar }
  if (raw.length < CHECKSUM_LEN) return { ok: false, reason: 'short' }
  const payload = raw.subarray(0, raw.length - CHECKSUM_LEN)
  if (!checksum(payload).equals(raw.subarray(raw.length - CHECKSUM_LEN))) {
    return { ok: false, reason: 'checksum' }
  }
  return { ok: true, payload }
}
