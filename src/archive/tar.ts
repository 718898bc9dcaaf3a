// The backup archive's container: a plain POSIX tar (ustar), so that `age -d … | tar x` opens it
// with standard tools. Only regular files, written with mode 0600 and a fixed owner.

const BLOCK = 512

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0'
}

export interface TarEntry {
  name: string
  data: Uint8Array
}

export function writeTar(entries: TarEntry[], mtime: Date): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    if (Buffer.byteLength(e.name) > 100) throw new Error(`tar: name too long: ${e.name}`)
    const h = Buffer.alloc(BLOCK)
    h.write(e.name, 0, 'utf8')
    h.write(octal(0o600, 8), 100)
    h.write(octal(0, 8), 108)
    h.write(octal(0, 8), 116)
    h.write(octal(e.data.length, 12), 124)
    h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136)
    h.write('        ', 148) // checksum placeholder: eight spaces
    h.write('0', 156)
    h.write('ustar\0', 257)
    h.write('00', 263)
    let sum = 0
    for (const b of h) sum += b
    h.write(octal(sum, 7) + ' ', 148)
    parts.push(h, Buffer.from(e.data), Buffer.alloc((BLOCK - (e.data.length % BLOCK)) % BLOCK))
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

/** Reads what writeTar wrote; a header whose checksum or size is wrong, or data cut short, is refused. */
export function readTar(buf: Uint8Array): TarEntry[] {
  const b = Buffer.from(buf)
  const out: TarEntry[] = []
  for (let pos = 0; pos + BLOCK <= b.length;) {
    const h = b.subarray(pos, pos + BLOCK)
    if (h.every(x => x === 0)) return out
    const field = (from: number, to: number) =>
      h.subarray(from, to).toString('latin1').replace(/\0.*$/s, '').trim()
    let sum = 0
    for (const [i, x] of h.entries()) sum += i >= 148 && i < 156 ? 0x20 : x
    if (!/^[0-7]+$/.test(field(148, 156)) || parseInt(field(148, 156), 8) !== sum)
      throw new Error('tar: a header is damaged (wrong checksum)')
    const sizeField = field(124, 136) || '0'
    if (!/^[0-7]+$/.test(sizeField)) throw new Error('tar: a header is damaged (size)')
    const size = parseInt(sizeField, 8)
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')
    const type = String.fromCharCode(h[156] ?? 0x30)
    pos += BLOCK
    if (pos + size > b.length) throw new Error('tar: the archive is cut short')
    if (type === '0' || type === '\0') out.push({ name, data: b.subarray(pos, pos + size) })
    pos += Math.ceil(size / BLOCK) * BLOCK
  }
  // Without its two zero blocks (as other writers may leave it): what was read is whole.
  return out
}
