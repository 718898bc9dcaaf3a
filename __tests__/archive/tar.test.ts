import { randomBytes } from 'node:crypto'
import { readTar, writeTar, type TarEntry } from '../../src/archive/tar.js'

// The archive's tar container on its own (archive.test.ts covers what openArchive makes of it).

const BLOCK = 512
const MTIME = new Date('2026-01-01T00:00:00Z')

/** A header field as text, up to its first NUL. */
const field = (tar: Buffer, at: number, len: number) =>
  tar
    .subarray(at, at + len)
    .toString('latin1')
    .replace(/\0.*$/s, '')

/** The ustar checksum of the header at `at`: its bytes summed, the checksum field as spaces. */
function checksum(tar: Buffer, at = 0): number {
  const h = Buffer.from(tar.subarray(at, at + BLOCK))
  h.fill(0x20, 148, 156)
  return h.reduce((sum, b) => sum + b, 0)
}

/** Sets the header's type flag and its checksum to match, as another tar writer would. */
function withType(tar: Buffer, type: string, at = 0): Buffer {
  const t = Buffer.from(tar)
  t.write(type, at + 156, 'latin1')
  t.write(checksum(t, at).toString(8).padStart(6, '0') + '\0 ', at + 148, 'latin1')
  return t
}

describe('writeTar, then readTar', () => {
  it.each([0, 1, 511, 512, 513, 1024, 1025])(
    'a file of %d bytes: padded to whole blocks, read back the same',
    size => {
      const data = randomBytes(size)
      const tar = writeTar([{ name: 'staking/staker.key', data }], MTIME)
      // Header, data padded to a block, then two zero blocks.
      expect(tar.length).toBe(BLOCK + Math.ceil(size / BLOCK) * BLOCK + 2 * BLOCK)
      expect(tar.subarray(BLOCK + size).every(b => b === 0)).toBe(true)
      const [entry, ...more] = readTar(tar)
      expect(more).toEqual([])
      expect(entry?.name).toBe('staking/staker.key')
      expect(Buffer.from(entry!.data).equals(data)).toBe(true)
    }
  )

  it('several files: each read back in its order, sizes across block boundaries', () => {
    const entries: TarEntry[] = [0, 513, 1, 512, 511].map((size, i) => ({
      name: `f${i}`,
      data: randomBytes(size)
    }))
    const read = readTar(writeTar(entries, MTIME))
    expect(read.map(e => e.name)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4'])
    read.forEach((e, i) => expect(Buffer.from(e.data).equals(entries[i]!.data)).toBe(true))
  })

  it('no files: only the two zero blocks, read as none', () => {
    const tar = writeTar([], MTIME)
    expect(tar.equals(Buffer.alloc(2 * BLOCK))).toBe(true)
    expect(readTar(tar)).toEqual([])
  })

  it.each<[string, string]>([
    ['a plain name', 'manifest.json'],
    ['a name in a folder', 'keystore/alice.json'],
    ['a name with non-ASCII letters', 'keystore/zoë-ü.json'],
    ['a name of exactly 100 bytes (no NUL after it)', `keystore/${'a'.repeat(86)}.json`],
    ['a name of 100 bytes with two-byte letters', `${'é'.repeat(47)}a.json`]
  ])('%s: read back as written', (_what, name) => {
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(100)
    const [entry] = readTar(writeTar([{ name, data: Buffer.from('x') }], MTIME))
    expect(entry?.name).toBe(name)
  })

  it.each<[string, string]>([
    ['101 bytes', `keystore/${'a'.repeat(87)}.json`],
    ['fewer than 100 letters but more than 100 bytes', `${'é'.repeat(49)}.json`]
  ])('a name of %s: refused', (_what, name) => {
    expect(() => writeTar([{ name, data: Buffer.alloc(1) }], MTIME)).toThrow(
      `tar: name too long: ${name}`
    )
  })
})

describe('the header writeTar writes: ustar, as `tar x` reads it', () => {
  it.each<[string, Date, number]>([
    ['the epoch', new Date(0), 0],
    ['2026-01-01', MTIME, 1767225600],
    [
      'a time with milliseconds: whole seconds, rounded down',
      new Date(1_767_225_600_999),
      1767225600
    ]
  ])('mtime at %s', (_what, mtime, seconds) => {
    const tar = writeTar([{ name: 'a', data: Buffer.alloc(1) }], mtime)
    expect(field(tar, 136, 12)).toBe(seconds.toString(8).padStart(11, '0'))
  })

  it.each<[string, number, number, string]>([
    ['mode 0600', 100, 8, '0000600'],
    ['owner 0', 108, 8, '0000000'],
    ['group 0', 116, 8, '0000000'],
    ['size in octal (1000 bytes)', 124, 12, '00000001750'],
    ['type: a regular file', 156, 1, '0'],
    ['magic', 257, 6, 'ustar'],
    ['version', 263, 2, '00']
  ])('%s', (_what, at, len, value) => {
    const tar = writeTar([{ name: 'staking/signer.key', data: Buffer.alloc(1000) }], MTIME)
    expect(field(tar, at, len)).toBe(value)
  })

  it.each<[string, TarEntry[]]>([
    ['of an empty file', [{ name: 'a', data: Buffer.alloc(0) }]],
    ['of each of several files', ['a', 'bb', 'ccc'].map(name => ({ name, data: randomBytes(700) }))]
  ])('a checksum that matches the header %s', (_what, entries) => {
    const tar = writeTar(entries, MTIME)
    for (let i = 0, at = 0; i < entries.length; i++) {
      expect(field(tar, at + 148, 8).trim()).toBe(checksum(tar, at).toString(8).padStart(6, '0'))
      at += BLOCK + Math.ceil(entries[i]!.data.length / BLOCK) * BLOCK
    }
  })
})

describe('readTar on what other writers make', () => {
  const two = () =>
    writeTar(
      [
        { name: 'other', data: randomBytes(600) },
        { name: 'manifest.json', data: Buffer.from('{}') }
      ],
      MTIME
    )

  it.each<[string, string]>([
    ['a directory', '5'],
    ['a symbolic link', '2'],
    ['a hard link', '1'],
    ['a pax extended header', 'x']
  ])('%s is skipped, and the file after it read', (_what, type) => {
    const read = readTar(withType(two(), type))
    expect(read.map(e => e.name)).toEqual(['manifest.json'])
    expect(Buffer.from(read[0]!.data).toString()).toBe('{}')
  })

  it('a NUL type flag (old tar) is a regular file', () => {
    expect(readTar(withType(two(), '\0')).map(e => e.name)).toEqual(['other', 'manifest.json'])
  })

  it.each<[string, (tar: Buffer) => Buffer]>([
    ['without the two zero blocks at the end', tar => tar.subarray(0, tar.length - 2 * BLOCK)],
    ['with bytes after the end blocks', tar => Buffer.concat([tar, randomBytes(BLOCK * 2)])]
  ])('an archive %s: the same files', (_what, change) => {
    expect(readTar(change(two())).map(e => e.name)).toEqual(['other', 'manifest.json'])
  })

  it('nothing at all: no files', () => {
    expect(readTar(new Uint8Array(0))).toEqual([])
  })
})

// A damaged header or an entry cut short is refused, never read as files of other names or sizes.
// (openArchive's input has passed age's authentication, and the manifest's sha256 covers the
// staking files but not the keystore ones: this is the keystore files' only check.)
describe('readTar refuses a damaged archive', () => {
  const tar = () => writeTar([{ name: 'keystore/alice.json', data: randomBytes(1000) }], MTIME)

  it.each<[string, (t: Buffer) => Buffer]>([
    [
      'a header byte changed (its checksum no longer matches)',
      t => {
        const d = Buffer.from(t)
        d[0] = 'K'.charCodeAt(0)
        return d
      }
    ],
    ['data cut short', t => t.subarray(0, BLOCK + 700)],
    [
      'a size field that is not octal (checksum made to match)',
      t => {
        const d = Buffer.from(t)
        d.write('0000000175x', 124, 'latin1')
        return withType(d, '0')
      }
    ]
  ])('%s', (_what, damage) => {
    expect(() => readTar(damage(tar()))).toThrow()
  })
})
